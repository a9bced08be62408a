import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { generateTlsMaterial } from '../../src/crypto/tls-material';
import { startTestApp, type TestApp } from '../support/test-app';

describe('PostgreSQL over verified TLS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("encrypts the app's own connection (pg_stat_ssl for its backend)", async () => {
    const rows: Array<{ ssl: boolean; version: string }> = await t.app
      .get(DataSource)
      .query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows).toHaveLength(1);
    expect(rows[0].ssl).toBe(true);
    expect(rows[0].version).toMatch(/^TLSv1\.[23]$/);
  });

  it('runs the migrations into the database (synchronize is off)', async () => {
    const dataSource = t.app.get(DataSource);
    expect(dataSource.options.synchronize).toBe(false);
    const [{ exists }] = await dataSource.query(
      "SELECT to_regclass('public.migrations') IS NOT NULL AS exists",
    );
    expect(exists).toBe(true);
  });

  const target = (): {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
  } => {
    const url = new URL(t.db.url);
    return {
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    };
  };

  it('refuses a client that trusts a different CA', async () => {
    const other = await generateTlsMaterial(['localhost'], ['127.0.0.1']);
    const client = new Client({ ...target(), ssl: { ca: other.caCert, rejectUnauthorized: true } });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow(/certificate/i);
  });

  it('accepts the same client with the right CA (so the refusal above is about trust)', async () => {
    const ca = readFileSync(t.db.caFile as string, 'utf8');
    const client = new Client({ ...target(), ssl: { ca, rejectUnauthorized: true } });
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    await client.end();
    expect(rows[0].ssl).toBe(true);
  });

  it('refuses an unencrypted connection (pg_hba allows hostssl only)', async () => {
    if (!process.env.TEST_EMBEDDED_DATA_DIR)
      return expect(process.env.TEST_DATABASE_URL).toBeDefined();
    const client = new Client({ ...target(), ssl: false });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow(/pg_hba\.conf|no encryption/i);
  });
});

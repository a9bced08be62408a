import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRODUCTION_ENV } from '../support/production-env';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { ANSI, jsonLines, spawnApp, waitForOutput, type SpawnedApp } from '../support/spawn-app';

// FORCE_COLOR would make Nest's default logger colour its lines: production must not care.
const PRODUCTION = { NODE_ENV: 'production', FORCE_COLOR: '1' };

async function productionStart(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const app = spawnApp({ ...PRODUCTION, ...env });
  const code = await app.exited;
  return { code, output: app.output(), ms: Date.now() - started };
}

/** The messages of a refused start; every line must be a JSON log entry at level error. */
function configErrors(output: string): string[] {
  const entries = jsonLines(output);
  for (const entry of entries) expect(entry).toMatchObject({ level: 'error' });
  return entries.map((e) => String(e.message)).filter((m) => m.startsWith('config error:'));
}

describe('production start refuses an unsafe configuration, in JSON lines', () => {
  it('exits 1 at once naming DATABASE_URL when it is missing', async () => {
    const env: Record<string, string> = { ...PRODUCTION_ENV };
    delete env.DATABASE_URL;
    const result = await productionStart(env);
    expect(result.code).toBe(1);
    expect(configErrors(result.output)).toEqual([
      'config error: DATABASE_URL is required in production',
    ]);
    expect(jsonLines(result.output)[0]).toMatchObject({ context: 'Config' });
    expect(result.output).not.toMatch(ANSI);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('exits 1 naming JWT_SECRET when it is "secret", without printing the value', async () => {
    const result = await productionStart({ ...PRODUCTION_ENV, JWT_SECRET: 'secret' });
    expect(result.code).toBe(1);
    expect(configErrors(result.output)).toEqual([
      expect.stringMatching(/^config error: JWT_SECRET .+$/),
    ]);
    expect(result.output).not.toMatch(/JWT_REFRESH_SECRET|PASSWORD_PEPPER|ENCRYPTION_KEY/);
    expect(result.output).not.toContain(PRODUCTION_ENV.JWT_REFRESH_SECRET);
  });

  it('prints one line per problem', async () => {
    const result = await productionStart({
      ...PRODUCTION_ENV,
      JWT_ALGORITHM: 'HS256',
      JWT_REFRESH_SECRET: PRODUCTION_ENV.JWT_SECRET,
      ENCRYPTION_KEY: 'abcd',
      PASSWORD_PEPPER: 'changeme-changeme-changeme-changeme-1',
      DATABASE_URL: 'postgresql://app:pw@db.internal/app?sslmode=require',
    });
    expect(result.code).toBe(1);
    expect(configErrors(result.output).map((l) => l.split(' ')[2])).toEqual(
      expect.arrayContaining([
        'ENCRYPTION_KEY',
        'JWT_REFRESH_SECRET',
        'PASSWORD_PEPPER',
        'DATABASE_URL',
      ]),
    );
  });

  it.each([
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'PASSWORD_PEPPER',
    'ENCRYPTION_KEY',
    'JWT_REFRESH_SECRET',
  ])('exits 1 when %s is missing', async (name) => {
    const env: Record<string, string> = { ...PRODUCTION_ENV };
    delete env[name];
    const result = await productionStart(env);
    expect(result.code).toBe(1);
    expect(configErrors(result.output)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^config error: ${name} `))]),
    );
  });

  it('logs a database it cannot reach in JSON, from the first line to the last', async () => {
    const result = await productionStart({
      ...PRODUCTION_ENV,
      DATABASE_URL: PRODUCTION_ENV.DATABASE_URL.replace('db.internal:5432', '127.0.0.1:1'),
      DB_CONNECT_ATTEMPTS: '2', // one retry, 3 s later: the default waits ~30 s
    });
    expect(result.code).toBe(1);
    const entries = jsonLines(result.output);
    expect(entries.some((e) => e.context === 'TypeOrmModule')).toBe(true);
    expect(entries[entries.length - 1]).toMatchObject({
      level: 'error',
      context: 'Bootstrap',
      message: expect.stringMatching(/^startup failed: /),
    });
    expect(result.output).not.toMatch(ANSI);
    expect(
      entries.filter((e) =>
        /Unable to connect to the database\. Retrying \(1\)/.test(String(e.message)),
      ),
    ).toHaveLength(1);
  }, 30_000);
});

describe('production start with a good configuration', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'snf-prod-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      ...PRODUCTION,
      ...PRODUCTION_ENV,
      DATABASE_URL: db.url,
      DATABASE_MIGRATION_URL: db.migrationUrl ?? '',
      DATABASE_SSL_CA: db.caFile ?? '',
      LOG_DIR: join(dir, 'logs'),
      PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    };
    // The release step, as in production: migrations run before the app starts.
    await promisify(execFile)(process.execPath, ['dist/database/run-migrations.js'], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
  }, 60_000);
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the app with a preload script that does `onProbe` on SIGWINCH (a signal Nest's
   * shutdown hooks leave alone): a way to make Node warn or crash inside the running app, at a
   * moment the spec chooses (after the banner).
   */
  async function startWithProbe(onProbe: string): Promise<SpawnedApp> {
    const preload = join(dir, `probe-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(preload, `process.on('SIGWINCH', () => { ${onProbe} });\n`);
    const app = spawnApp({ ...env, NODE_OPTIONS: `--require ${preload}` });
    await waitForOutput(app, /"message":"ready \|/, 30_000);
    app.child.kill('SIGWINCH');
    return app;
  }

  it('writes only JSON lines: start, banner, requests, a Node warning, shutdown', async () => {
    const app = await startWithProbe("process.emitWarning('probe warning', 'ProbeWarning')");
    const base = `http://127.0.0.1:${env.PORT}`;
    await waitForOutput(app, /probe warning/, 5_000);
    expect((await fetch(`${base}/api/nothing`)).status).toBe(404);
    await waitForOutput(app, /"status":404/, 5_000);
    const kid = await signingKid(base);
    app.child.kill('SIGTERM');
    await app.exited; // the exit status is the shutdown's business, not this spec's

    const entries = jsonLines(app.output());
    expect(app.output()).not.toMatch(ANSI);
    for (const entry of entries) {
      expect(entry).toEqual(
        expect.objectContaining({ level: expect.any(String), timestamp: expect.any(String) }),
      );
    }
    const banner = entries.find((e) => e.context === 'Bootstrap');
    expect(banner?.message).toBe(
      `ready | API ${base}/api | docs off | database: PostgreSQL at 127.0.0.1:${new URL(db.url).port}/${db.name} over verified TLS | mail: smtp://smtp.example.org:587 (STARTTLS) | tokens: EdDSA, key ${kid} (public keys ${base}/.well-known/jwks.json)`,
    );
    // Nest's module and route lines are debug: not at the default level.
    expect(entries.some((e) => e.context === 'RouterExplorer')).toBe(false);
    expect(entries).toContainEqual(
      expect.objectContaining({ context: 'Process', level: 'warn', message: 'probe warning' }),
    );
    // The file gets the same JSON lines.
    const appLog = jsonLines(readFileSync(join(dir, 'logs', 'app.log'), 'utf8'));
    expect(appLog.some((e) => e.context === 'Bootstrap')).toBe(true);
  }, 60_000);

  it('logs a crash (an uncaught exception) as a JSON line, then exits 1', async () => {
    const app = await startWithProbe("throw new Error('probe crash')");
    expect(await app.exited).toBe(1);
    const entries = jsonLines(app.output());
    expect(entries[entries.length - 1]).toMatchObject({
      context: 'Process',
      level: 'error',
      message: 'uncaught exception: probe crash',
    });
  }, 60_000);
});

/** The one key a fresh service publishes: the one it signs with. */
async function signingKid(base: string): Promise<string> {
  const { keys } = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
    keys: Array<{ kid: string }>;
  };
  expect(keys).toHaveLength(1);
  return keys[0].kid;
}

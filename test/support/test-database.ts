import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, type ClientConfig } from 'pg';

/** A database of its own for one test file, on the run's TLS server; dropped by `drop()`. */
export interface TestDatabase {
  /** The application's role (owns nothing), or the owner when the server has no such role. */
  url: string;
  /** The schema owner, for migrations; undefined in single-role mode. */
  migrationUrl: string | undefined;
  caFile: string | undefined;
  name: string;
  admin(): Client;
  /** A client as the schema owner (single-role mode: the one role). */
  owner(): Client;
  drop(): Promise<void>;
}

function adminConfig(database?: string): ClientConfig {
  const url = new URL(required('TEST_DATABASE_URL'));
  const caFile = process.env.TEST_DATABASE_SSL_CA;
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: database ?? url.pathname.slice(1),
    ssl: { ca: caFile ? readFileSync(caFile, 'utf8') : undefined, rejectUnauthorized: true },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const base = new URL(required('TEST_DATABASE_URL'));
  const owner = process.env.TEST_DATABASE_OWNER ?? decodeURIComponent(base.username);
  const ownerPassword =
    process.env.TEST_DATABASE_OWNER_PASSWORD ?? decodeURIComponent(base.password);
  const client = new Client(adminConfig());
  await client.connect();
  await client.query(`CREATE DATABASE ${name} OWNER ${client.escapeIdentifier(owner)}`);
  await client.end();
  const urlFor = (user: string, password: string): string => {
    const url = new URL(base.toString());
    url.username = encodeURIComponent(user);
    url.password = encodeURIComponent(password);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const appUser = process.env.TEST_DATABASE_APP_USER;
  const appPassword = process.env.TEST_DATABASE_APP_PASSWORD ?? '';
  return {
    url: appUser ? urlFor(appUser, appPassword) : urlFor(owner, ownerPassword),
    migrationUrl: appUser ? urlFor(owner, ownerPassword) : undefined,
    caFile: process.env.TEST_DATABASE_SSL_CA,
    name,
    admin: () => new Client(adminConfig(name)),
    owner: () => {
      return new Client({ ...adminConfig(name), user: owner, password: ownerPassword });
    },
    drop: async () => {
      const admin = new Client(adminConfig());
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through jest's global setup`);
  return value;
}

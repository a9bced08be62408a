import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PRODUCTION_ENV } from './production-env';
import type { TestDatabase } from './test-database';

export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'main.js');

export interface SpawnedApp {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** The entry point, `dist/main.js` of this checkout unless given (e.g. a copy elsewhere). */
  main?: string;
  cwd?: string;
}

/** Runs the production build (`node dist/main.js`) as its own process with exactly `env`. */
export function spawnApp(env: Record<string, string>, options: SpawnOptions = {}): SpawnedApp {
  const child = spawn(process.execPath, [options.main ?? MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * The environment of a spawned test app on `port`: its data and logs under `dir`, `db` over TLS,
 * quiet logs (`LOG_LEVEL` error unless `extra` says otherwise). `extra` adds or overrides.
 */
export function spawnedTestEnv(
  port: number,
  dir: string,
  db: TestDatabase,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: String(port),
    DATA_DIR: join(dir, 'data'),
    LOG_DIR: join(dir, 'logs'),
    LOG_LEVEL: 'error',
    DATABASE_URL: db.url,
    DATABASE_MIGRATION_URL: db.migrationUrl ?? '',
    DATABASE_SSL_CA: db.caFile ?? '',
    ...extra,
  };
}

/** Polls `url` until it answers `status`, returning the elapsed milliseconds. */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(url);
      if (res.status === status) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
}

/** A port nothing listens on right now (a production start needs a fixed PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A complete production environment on a test database (already migrated: production does not
 * migrate at start): PRODUCTION_ENV with verified TLS to that database; no Redis.
 */
export function productionEnv(
  db: TestDatabase,
  port: number,
  logDir: string,
): Record<string, string> {
  return {
    ...PRODUCTION_ENV,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_DIR: logDir,
    DATABASE_URL: db.url,
    DATABASE_MIGRATION_URL: db.migrationUrl ?? '',
    DATABASE_SSL_CA: db.caFile ?? '',
    SMTP_URL: 'smtp://mailer:Vl6szFFq4JrWvk2dPXEpkXeSYDsbXRY9@127.0.0.1:1', // nothing listens: mail stays in the outbox
  };
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*m/g;

/** Polls the app's output (colours removed) until `pattern` appears; fails with the output so far. */
export async function waitForOutput(
  app: SpawnedApp,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const match = pattern.exec(app.output().replace(ANSI, ''));
    if (match) return match;
    if (app.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${String(pattern)} in the output within ${timeoutMs} ms:\n${app.output()}`);
}

/** Every non-empty line parsed as JSON; fails naming the first line that is not a JSON object. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(`not a JSON object: ${line}`);
      }
      return parsed as Record<string, unknown>;
    });
}

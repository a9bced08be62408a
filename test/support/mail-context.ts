import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';
import { Client } from 'pg';
import { AppModule } from '../../src/app.module';
import type { Env } from '../../src/config/env.schema';
import { loadEnv } from '../../src/config/load-env';
import { Transactions } from '../../src/database/transactions';
import { MailWorkerOptions } from '../../src/mail/mail-worker.options';
import { MailService } from '../../src/mail/mail.service';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface MailContext {
  app: INestApplicationContext;
  env: Env;
  db: TestDatabase;
  mail: MailService;
  tx: Transactions;
  /** JSON lines of LOG_DIR/app.log written so far. */
  logLines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The whole application (AppModule, as main.ts builds it) as an application context, with the
 * mail worker's pacing overridden (milliseconds instead of minutes) the way the worker options
 * document. No HTTP: the outbox has no route. Apps sharing `db` share DATA_DIR and so the dev
 * secrets (the field key that encrypts outbox content), like instances of one deployment.
 */
export async function startMailContext(
  overrides: Record<string, string> = {},
  worker: Partial<MailWorkerOptions> = {},
  db?: TestDatabase,
): Promise<MailContext> {
  const database = db ?? (await createTestDatabase());
  const dir = join(tmpdir(), `snf-app-${database.name}`);
  mkdirSync(dir, { recursive: true });
  const logDir = join(dir, `logs-${Math.random().toString(36).slice(2)}`);
  const env = loadEnv({
    NODE_ENV: 'test',
    DATA_DIR: join(dir, 'data'),
    LOG_DIR: logDir,
    LOG_LEVEL: 'error',
    BCRYPT_ROUNDS: '4',
    DATABASE_URL: database.url,
    DATABASE_MIGRATION_URL: database.migrationUrl ?? '',
    DATABASE_SSL_CA: database.caFile ?? '',
    ...overrides,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(env)] })
    .overrideProvider(MailWorkerOptions)
    .useValue(new MailWorkerOptions(worker))
    .compile();
  moduleRef.useLogger(moduleRef.get(WINSTON_MODULE_NEST_PROVIDER));
  await moduleRef.init();
  const logFile = join(logDir, 'app.log');
  return {
    app: moduleRef,
    env,
    db: database,
    mail: moduleRef.get(MailService),
    tx: moduleRef.get(Transactions),
    logLines: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    close: async () => {
      await moduleRef.close();
      if (!db) await database.drop();
    },
  };
}

export interface OutboxRow {
  id: string;
  purpose: string;
  recipient: string;
  subject: string;
  content: string | null;
  message_id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  smtp_response: string | null;
  sent_at: Date | null;
  created_at: Date;
}

/** Reads outbox rows as the database holds them, over an admin connection of the test's own. */
export async function outboxRows(db: TestDatabase, recipient?: string): Promise<OutboxRow[]> {
  const client = db.admin();
  client.on('error', () => undefined); // the database may be dropped or taken away under it
  await client.connect();
  try {
    const { rows } = await client.query<OutboxRow>(
      `SELECT * FROM mail_outbox ${recipient ? 'WHERE recipient = $1' : ''} ORDER BY created_at`,
      recipient ? [recipient] : [],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Takes one test database away from every client (new connections refused, open ones ended)
 * and gives it back: the database is away for the app while the rest of the run goes on.
 */
export async function databaseAway(db: TestDatabase): Promise<() => Promise<void>> {
  const admin = maintenanceClient();
  await admin.connect();
  await admin.query(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [db.name],
  );
  return async () => {
    await admin.query(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    await admin.end();
  };
}

function maintenanceClient(): Client {
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  const caFile = process.env.TEST_DATABASE_SSL_CA;
  return new Client({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    ssl: { ca: caFile ? readFileSync(caFile, 'utf8') : undefined, rejectUnauthorized: true },
  });
}

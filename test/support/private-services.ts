import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import type { EmbeddedServerInfo } from '../../src/database/embedded/embedded-postgres.server';
import { freePort } from './spawn-app';
import type { TestDatabase } from './test-database';

/** A PostgreSQL of a test's own (in a child process), which the test may stop and start. */
export interface PrivatePostgres {
  info: EmbeddedServerInfo;
  /** postgres:// URLs for the application's role and the schema owner. */
  appUrl: string;
  ownerUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const child = spawn(
    process.execPath,
    [join(__dirname, 'embedded-postgres-process.js'), mkdtempSync(join(tmpdir(), 'snf-pg-'))],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command: string): Promise<Record<string, unknown>> => {
    child.stdin.write(`${command}\n`);
    const { value } = await answers.next();
    const answer = JSON.parse(String(value)) as Record<string, unknown>;
    if (typeof answer.error === 'string') throw new Error(answer.error);
    return answer;
  };
  const info = (await ask('start')).started as EmbeddedServerInfo;
  const url = (user: string, password: string): string =>
    `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${info.app.port}/${info.app.database}`;
  return {
    info,
    appUrl: url(info.app.user, info.app.password),
    ownerUrl: url(info.owner.user, info.owner.password),
    stop: async () => void (await ask('stop')),
    start: async () => void (await ask('start')),
    close: () => closeChild(child, 'exit'),
  };
}

/**
 * `pg` as the database of a test app (startTestApp's second argument): migrated by the app at
 * start; the server is the test's own, so nothing is dropped and no admin client is handed out.
 */
export function privateTestDatabase(pg: PrivatePostgres): TestDatabase {
  const notNeeded = (): never => {
    throw new Error('a private PostgreSQL has no admin or owner client here');
  };
  return {
    url: pg.appUrl,
    migrationUrl: pg.ownerUrl,
    caFile: pg.info.caFile,
    name: `private_${randomBytes(4).toString('hex')}`,
    admin: notNeeded,
    owner: notNeeded,
    drop: () => Promise.resolve(),
  };
}

async function closeChild(child: ChildProcess, command: string): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin?.write(`${command}\n`);
  await exited;
}

/** A redis-server of a test's own on a free port, which the test may stop and start again there. */
export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A client as the default user, or logged in `as` a user (with `acl` the default user is off). */
  client(as?: RedisLogin): Redis;
}

export interface RedisLogin {
  username: string;
  password: string;
}

/**
 * Users from an ACL file: the server is started through docker/redis/acl-entrypoint.sh, exactly as
 * the compose stack starts it, rendering `template` with `appPassword` for the user `app`.
 * `probe` is who start-up's PING logs in as (the default user is off).
 */
export interface PrivateRedisAcl {
  template: string;
  appPassword: string;
  probe: RedisLogin;
}

export const ACL_ENTRYPOINT = join(__dirname, '..', '..', 'docker', 'redis', 'acl-entrypoint.sh');

/** Neither exited nor killed (a process killed by a signal has a null exitCode). */
const isRunning = (child: ReturnType<typeof spawn>): boolean =>
  child.exitCode === null && child.signalCode === null;

export async function startPrivateRedis(acl?: PrivateRedisAcl): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const rendered = acl && join(mkdtempSync(join(tmpdir(), 'snf-redis-acl-')), 'users.acl');
  const start = async (): Promise<void> => {
    if (child && isRunning(child)) return; // already running: a second one could not bind
    let output = '';
    child = acl
      ? spawn('sh', [ACL_ENTRYPOINT, 'redis-server', ...args], {
          env: {
            ...process.env,
            REDIS_APP_PASSWORD: acl.appPassword,
            REDIS_ACL_TEMPLATE: acl.template,
            REDIS_ACL_FILE: rendered,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn('redis-server', args, { stdio: 'ignore' });
    child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    // A fresh client per try: one that failed to connect keeps reconnecting on its own.
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        ...(acl && acl.probe),
        lazyConnect: true,
        enableReadyCheck: false,
        disableClientInfo: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const answered = await probe.connect().then(
        () => probe.ping(),
        () => undefined,
      );
      probe.disconnect();
      if (answered === 'PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`private redis-server did not start\n${output}`);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || !isRunning(running)) return;
    const exited = new Promise((resolve) => running.on('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    client: (as) =>
      new Redis({
        port,
        host: '127.0.0.1',
        ...as,
        maxRetriesPerRequest: 1,
        // Only the commands a test sends (no INFO ready check, no CLIENT SETINFO): under an ACL
        // they would be refused, and a client that has not logged in gets NOAUTH for them.
        enableReadyCheck: false,
        disableClientInfo: true,
      }),
  };
}

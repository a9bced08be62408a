import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import type { EmbeddedServerInfo } from '../../src/database/embedded/embedded-postgres.server';
import { freePort } from './spawn-app';

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
  client(): Redis;
}

/** Neither exited nor killed (a process killed by a signal has a null exitCode). */
const isRunning = (child: ReturnType<typeof spawn>): boolean =>
  child.exitCode === null && child.signalCode === null;

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  const start = async (): Promise<void> => {
    if (child && isRunning(child)) return; // already running: a second one could not bind
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    // A fresh client per try: one that failed to connect keeps reconnecting on its own.
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
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
    throw new Error('private redis-server did not start');
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
    client: () => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 }),
  };
}

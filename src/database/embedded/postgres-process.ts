import { spawn, type ChildProcess } from 'node:child_process';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries';
import type { Owner } from './postgres-owner';

export type Log = (message: string) => void;

const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * What initdb and postgres see of our environment: the path and the locale, never the rest (the
 * application's secrets may be in it). LC_MESSAGES=C keeps the readiness line in English.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = Object.entries(process.env).filter(
    ([name]) => name === 'PATH' || name === 'TZ' || name === 'LANG' || name.startsWith('LC_'),
  );
  return { ...Object.fromEntries(keep), LC_MESSAGES: 'C' };
}

/**
 * Runs initdb as `owner`. The superuser password reaches it through a file in `workDir` (a
 * directory only the owner can enter), mode 0600, removed as soon as initdb is done.
 */
export async function initCluster(
  bin: PostgresBinaries,
  pgdata: string,
  workDir: string,
  owner: Owner | undefined,
  superuser: { name: string; password: string },
  flags: string[],
  log: Log,
): Promise<void> {
  const pwfile = join(workDir, `.initdb-${process.pid}.pw`);
  await writeFile(pwfile, `${superuser.password}\n`, { mode: 0o600 });
  try {
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    const child = spawn(
      bin.initdb,
      [
        `--pgdata=${pgdata}`,
        '--auth=scram-sha-256',
        `--username=${superuser.name}`,
        `--pwfile=${pwfile}`,
        '--lc-messages=C',
        ...flags,
      ],
      { ...owner, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => logLines(chunk, log));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await exitOf(child);
    if (code !== 0) throw new Error(`initdb failed (exit ${String(code)}): ${stderr.trim()}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** A running postmaster, started as `owner`, resolved once it accepts connections. */
export class PostgresProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(
    bin: PostgresBinaries,
    pgdata: string,
    port: number,
    flags: string[],
    owner: Owner | undefined,
    log: Log,
  ): Promise<PostgresProcess> {
    const child = spawn(bin.postgres, ['-D', pgdata, '-p', String(port), ...flags], {
      ...owner,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches the app only, which stops the
      // database last, after the requests in flight (see EmbeddedDatabaseService).
      detached: true,
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGQUIT');
        reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output = (output + text).slice(-4_000);
        logLines(chunk, log);
        if (text.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${bin.postgres}: ${error.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited (${String(code)}) during start: ${output.trim()}`));
      });
    });
    return new PostgresProcess(child);
  }

  /** Fast shutdown (SIGINT): open transactions roll back, the cluster stays consistent. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = exitOf(this.child);
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** One log entry per line of a child's output (a chunk may hold several, or half of one). */
function logLines(chunk: Buffer, log: Log): void {
  for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(line.trim());
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

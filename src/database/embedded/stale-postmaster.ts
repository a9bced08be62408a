import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * After a crash postmaster.pid may name a dead process (PostgreSQL then refuses to start if the pid
 * was reused) or an orphaned postmaster whose node parent died: remove the first, stop the second.
 * A postmaster whose parent is still alive belongs to a running app: refuse rather than kill it.
 * Read from /proc only: the cluster's own files cannot tell a live owner from a dead one.
 */
export async function clearStalePostmaster(
  pgdata: string,
  log: (message: string) => void,
): Promise<void> {
  const pidFile = join(pgdata, 'postmaster.pid');
  const exists = await stat(pidFile).then(
    () => true,
    () => false,
  );
  if (!exists) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && (await isOurPostmaster(pid, pgdata))) {
    const parent = await parentOf(pid);
    if (parent !== undefined && parent !== 1 && (await isNodeProcess(parent))) {
      throw new Error(
        `the embedded database in ${pgdata} is in use by process ${parent}; stop it or set DATABASE_URL`,
      );
    }
    log(`stopping orphaned PostgreSQL ${pid} left by an earlier run`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && (await isOurPostmaster(pid, pgdata)); i++) await sleep(100);
  }
  await rm(pidFile, { force: true });
}

async function isOurPostmaster(pid: number, pgdata: string): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(pgdata);
  } catch {
    return false;
  }
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after ')'.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** An app owning the cluster is a Node process; an orphan's parent is init or a reaper. */
async function isNodeProcess(pid: number): Promise<boolean> {
  try {
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0];
    return /(^|\/)node(js)?$/.test(argv0) || argv0 === process.execPath;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

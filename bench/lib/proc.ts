import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { memoryCgroup } from './memory-limit';
import { composeMemoryLimitMb, imageNodeOptions } from './shipped';

export const ROOT = join(__dirname, '..', '..');
export const APP_MAIN = join(ROOT, 'dist', 'main.js');
export const BASELINE_MAIN = join(ROOT, 'dist-bench', 'main.js');
export const SAME_WORK_MAIN = join(ROOT, 'dist-bench', 'same-work', 'main.js');
/** Analysis-only preload: libuv pool and pg connect timings (bench/probes/libuv-pool.ts). */
export const POOL_PROBE = join(ROOT, 'dist-bench', 'probes', 'libuv-pool.js');
/**
 * Every server (service and baselines alike) runs as the image runs the service: `node <file>` with
 * the image's NODE_OPTIONS, under the memory limit docker-compose gives an app replica, in its own
 * cgroup (Node sizes V8's heap from that limit; bench/notes.md, "The shipped V8 settings"). Nothing else differs in
 * how they start. `memoryLimitMb: null` runs one on the bare host instead (for comparison only).
 */
export const NODE_OPTIONS = imageNodeOptions(ROOT);
export const MEMORY_LIMIT_MB = composeMemoryLimitMb(ROOT);

export interface Server {
  child: ChildProcess;
  url: string;
  /** performance.now() just before spawn(): the zero of start-up timings. */
  spawnedAt: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <main>` on 127.0.0.1 with exactly `env` (plus PATH and NODE_OPTIONS; flags on the
 * command line take precedence over NODE_OPTIONS) and a fresh port, in a memory
 * cgroup of `memoryLimitMb` (the shell moves itself in, then execs node, so node starts inside it).
 */
export async function spawnServer(
  main: string,
  env: Record<string, string>,
  extraFlags: string[] = [],
  { memoryLimitMb = MEMORY_LIMIT_MB }: { memoryLimitMb?: number | null } = {},
): Promise<Server> {
  const port = await freePort();
  const cgroup = memoryLimitMb === null ? undefined : memoryCgroup(memoryLimitMb);
  const node = [process.execPath, ...extraFlags, main];
  const [command, ...args] = cgroup
    ? ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, ...node]
    : node;
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS,
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // A server that dies on its own (a flag Node refuses, a failed start) says why at once.
      if (!stopping) process.stderr.write(`${main} exited (${signal ?? code}):\n${output}\n`);
      resolve();
    }),
  );
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await cgroup?.remove();
  };
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, output: () => output, stop };
}

/** Polls `url` every 25 ms until it answers `status`; returns ms since `since` (performance.now()). */
export async function waitFor(
  url: string,
  status: number,
  since: number,
  timeoutMs = 120_000,
): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === status) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS, kB). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

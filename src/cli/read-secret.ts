import { createInterface } from 'node:readline';

type SecretInput = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
};

/**
 * One line from stdin. On a terminal the prompt goes to stderr and the line is read in raw mode, so
 * the terminal never echoes what is typed (Backspace edits, Ctrl-C cancels). Piped input
 * (`printf '%s' "$PW" | …`) is read as is. Secrets never go through argv, where `ps` and shell
 * history would show them.
 */
export function readSecret(
  prompt: string,
  input: SecretInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (input.isTTY && input.setRawMode) return readHidden(prompt, input, output);
  return readLine(input);
}

async function readLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, terminal: false });
  try {
    for await (const line of lines) return line.replace(/\r$/, '');
    return '';
  } finally {
    lines.close();
  }
}

function readHidden(
  prompt: string,
  input: SecretInput,
  output: NodeJS.WritableStream,
): Promise<string> {
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') secret = [...secret].slice(0, -1).join('');
        else if (char >= ' ') secret += char;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

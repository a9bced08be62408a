/**
 * Captures everything the process prints (stdout, stderr, console.*) while a spec runs, so it can
 * assert on console output. winston's Console transport writes to console._stdout/_stderr when
 * present, which under jest workers are not process.stdout/stderr: those are captured too.
 */
export interface CapturedOutput {
  text(): string;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const captured: string[] = [];
  const capture = (chunk: unknown): void => void captured.push(String(chunk));
  const spies: jest.SpyInstance[] = [
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: unknown) => (capture(chunk), true)),
    jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: unknown) => (capture(chunk), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      jest
        .spyOn(console, method)
        .mockImplementation((...args: unknown[]) => capture(args.join(' '))),
    ),
  ];
  const streams = console as unknown as {
    _stdout?: NodeJS.WritableStream;
    _stderr?: NodeJS.WritableStream;
  };
  for (const stream of [streams._stdout, streams._stderr]) {
    if (stream && stream !== process.stdout && stream !== process.stderr) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => (capture(chunk), true)),
      );
    }
  }
  return {
    text: () => captured.join('\n'),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

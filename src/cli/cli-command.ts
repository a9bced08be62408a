import type { INestApplicationContext } from '@nestjs/common';

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A subcommand runs inside a Nest application context and returns the process exit code. */
export type CliCommand = (
  app: INestApplicationContext,
  args: string[],
  out: CliOutput,
) => Promise<number>;

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { Env } from '../config/env.schema';
import { EnvError, loadEnv } from '../config/load-env';
import { auditVerify } from './audit-verify';
import type { CliCommand, CliOutput } from './cli-command';
import { createAdmin } from './create-admin';
import { printNewKey } from './generate-key';
import { reencrypt } from './reencrypt';
import { revokeSessions } from './revoke-sessions';
import { rotateSigningKey } from './rotate-signing-key';

/**
 * Operator commands: adding one is one line here. `npm run cli` builds, then runs dist/cli/main.js.
 * `offline` commands need no database, so they start no application context.
 */
const COMMANDS: Record<
  string,
  { run: CliCommand; help: string; offline?: (out: CliOutput) => number }
> = {
  'audit:verify': {
    run: auditVerify,
    help: 'recompute the audit hash chain; exit 2 and name the first bad event if broken',
  },
  'create-admin': {
    run: createAdmin,
    help: '--email <address>: create an admin; password read from stdin',
  },
  reencrypt: {
    run: reencrypt,
    help: 'move every encrypted field to the active key (batched, resumable)',
  },
  'revoke-sessions': {
    run: revokeSessions,
    help: '--user <email> | --all: end every session of one account, or of every account',
  },
  'rotate-signing-key': {
    run: rotateSigningKey,
    help: '[--compromised]: publish the next token signing key; --compromised revokes the current one now',
  },
  'generate-key': {
    run: () => Promise.resolve(0),
    offline: printNewKey,
    help: 'print a new encryption key id and key',
  },
};

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit codes: 0 success, 1 usage/config/runtime error, anything else as the command decides. */
export async function runCli(
  argv: string[],
  env?: Env,
  out: CliOutput = processOutput,
): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    out.stderr(`${name ? `unknown command: ${name}\n` : ''}usage: npm run cli -- <command>\n`);
    for (const [key, { help }] of Object.entries(COMMANDS))
      out.stderr(`  ${key.padEnd(19)} ${help}\n`);
    return 1;
  }
  if (command.offline) return command.offline(out);
  let validated: Env;
  try {
    validated = env ?? loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    for (const problem of error.problems) out.stderr(`config error: ${problem}\n`);
    return 1;
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(validated), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    return await command.run(app, args, out);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2))
    .then((code) => (process.exitCode = code))
    .catch((error: unknown) => {
      process.stderr.write(
        `command failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    });
}

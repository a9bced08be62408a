import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { withDevSecrets } from './dev-secrets';
import { ENV_VARIABLES, Env, SECRET_VARIABLES } from './env.schema';
import { productionProblems } from './production-rules';

/** Thrown when the environment is unusable; `problems` holds one line per variable. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.join('\n')}`);
  }
}

/**
 * Validates the environment once, at start-up. Values are never echoed in a problem line:
 * a secret pasted into the wrong variable must not end up in a log.
 */
export function loadEnv(raw: Record<string, string | undefined> = processEnv()): Env {
  const isProduction = raw.NODE_ENV === 'production';
  const dataDir = resolve(raw.DATA_DIR || './.data');
  const { values: given, problems: fileProblems } = withSecretFiles(raw);
  if (fileProblems.length > 0) throw new EnvError(fileProblems);
  const input = isProduction ? given : withDevSecrets(given, dataDir);
  const picked = Object.fromEntries(
    ENV_VARIABLES.filter((name) => input[name] !== undefined && input[name] !== '').map((name) => [
      name,
      input[name],
    ]),
  );
  const env = plainToInstance(Env, picked);
  const problems = validateSync(env, {
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map(
      (message) => `${error.property} ${stripValue(message, error.property)}`,
    ),
  );
  if (env.LOG_OTLP === true && !env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    // Asked to leave the host, the security log must not silently stay on it.
    problems.push('LOG_OTLP=true needs OTEL_EXPORTER_OTLP_ENDPOINT (the collector to send to)');
  }
  if (isProduction) problems.push(...productionProblems(env, given));
  if (problems.length > 0) throw new EnvError([...new Set(problems)]);
  env.DATA_DIR = dataDir;
  env.LOG_DIR = resolve(env.LOG_DIR);
  return env;
}

/**
 * Each secret given as `<NAME>_FILE` (a path, e.g. a mounted Docker or Kubernetes secret) read into
 * `<NAME>`, one trailing newline trimmed. Both forms at once is ambiguous, so refused. A problem line
 * names the variables and the error code, never the path's content.
 */
function withSecretFiles(raw: Record<string, string | undefined>): {
  values: Record<string, string | undefined>;
  problems: string[];
} {
  const values = { ...raw };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const path = raw[`${name}_FILE`];
    if (!path) continue;
    if (raw[name]) {
      problems.push(`${name} and ${name}_FILE are both set; set only one`);
      continue;
    }
    try {
      values[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      problems.push(`${name}_FILE cannot be read (${code})`);
    }
  }
  return { values, problems };
}

/**
 * The process environment, after a `.env` file in the working directory (variables already set win).
 * Also read by observability/tracing.ts, which must decide before anything else loads.
 */
export function processEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

// class-validator messages start with the property name; keep only the rule.
function stripValue(message: string, property: string): string {
  return message.startsWith(property) ? message.slice(property.length).trim() : message;
}

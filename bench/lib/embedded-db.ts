import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How to reach the embedded TLS PostgreSQL that a running app owns in `dataDir`: the port from
 * postmaster.pid (line 4), the app role's password from postgres.json, the CA from tls/ca.crt,
 * and the JWT secret (HS256 only) from secrets.json, all written by the app itself (src/database,
 * src/config/dev-secrets.ts). Valid only while that app runs.
 */
export interface EmbeddedDb {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  caFile: string;
  jwtSecret: string;
}

export function embeddedDb(dataDir: string): EmbeddedDb {
  const pid = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  const port = Number(pid[3]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in ${dataDir}/postmaster.pid`);
  const credentials = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as {
    appPassword: string;
  };
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as {
    JWT_SECRET: string;
  };
  return {
    host: '127.0.0.1',
    port,
    user: 'app',
    password: credentials.appPassword,
    database: 'app',
    caFile: join(dataDir, 'tls', 'ca.crt'),
    jwtSecret: secrets.JWT_SECRET,
  };
}

/**
 * The same-work baseline's environment: the app's database, its token algorithm with where its
 * keys are (the JWKS of the app running at `appUrl`, or the JWT secret for HS256), issuer and
 * audience.
 */
export function sameWorkEnv(
  db: EmbeddedDb,
  appEnv: Record<string, string>,
  appUrl: string,
): Record<string, string> {
  return {
    PGHOST: db.host,
    PGPORT: String(db.port),
    PGUSER: db.user,
    PGPASSWORD: db.password,
    PGDATABASE: db.database,
    PGSSLROOTCERT: db.caFile,
    // The app's defaults outside production (docs/CONFIGURATION.md) unless its environment says.
    JWT_ALGORITHM: appEnv.JWT_ALGORITHM ?? 'EdDSA',
    JWKS_URL: `${appUrl}/.well-known/jwks.json`,
    JWT_SECRET: appEnv.JWT_SECRET ?? db.jwtSecret,
    JWT_ISSUER: appEnv.JWT_ISSUER ?? 'secure-nest-foundation',
    JWT_AUDIENCE: appEnv.JWT_AUDIENCE ?? 'secure-nest-foundation-api',
    RATE_LIMIT_MAX: appEnv.RATE_LIMIT_MAX,
  };
}

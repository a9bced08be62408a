import { Client } from 'pg';
import { TLS_CLIENT_POLICY } from '../../crypto/tls-policy';
import type { ConnectionInfo } from '../connection-info';

/** The cluster's superuser: used only here and by the test harness, never by the application. */
export const ADMIN_USER = 'postgres';
/** Owns the database and every table: migrations run as this role, nothing else does. */
export const OWNER_USER = 'app_owner';
/** What the application connects as: owns nothing, may only SELECT and INSERT on audit_events. */
export const APP_USER = 'app';
export const APP_DATABASE = 'app';

/** The passwords of the owner and application roles, generated once and kept with the cluster. */
export interface RolePasswords {
  ownerPassword: string;
  appPassword: string;
}

/**
 * Two roles, neither a superuser: the owner of the database and of every object in it (migrations
 * run as it), and the application's role, which owns nothing and gets only the privileges
 * database/runtime-privileges.ts grants (SELECT and INSERT on audit_events). A cluster made before
 * the split, where the application's role owned everything, is handed over to the owner.
 */
export async function ensureRolesAndDatabase(
  admin: ConnectionInfo,
  credentials: RolePasswords,
): Promise<void> {
  const server = await connect(admin);
  try {
    for (const [role, password] of [
      [OWNER_USER, credentials.ownerPassword],
      [APP_USER, credentials.appPassword],
    ] as const) {
      const found = await server.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
      await server.query(
        `${verb} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${server.escapeLiteral(password)}`,
      );
    }
    const db = await server.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [APP_DATABASE],
    );
    if (db.rowCount === 0) {
      await server.query(`CREATE DATABASE ${APP_DATABASE} OWNER ${OWNER_USER}`);
      return;
    }
    if (db.rows[0].owner === OWNER_USER) return;
    await server.query(`ALTER DATABASE ${APP_DATABASE} OWNER TO ${OWNER_USER}`);
  } finally {
    await server.end();
  }
  const inApp = await connect({ ...admin, database: APP_DATABASE });
  try {
    await inApp.query(`REASSIGN OWNED BY ${APP_USER} TO ${OWNER_USER}`);
  } finally {
    await inApp.end();
  }
}

async function connect(info: ConnectionInfo): Promise<Client> {
  const client = new Client({
    ...info,
    ssl: { ca: info.ca, rejectUnauthorized: true, ...TLS_CLIENT_POLICY },
  });
  await client.connect();
  return client;
}

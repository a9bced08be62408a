import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../../config/config-sections';
import { EmbeddedPostgresServer, type EmbeddedServerInfo } from './embedded-postgres.server';
import type { DatabaseConnections } from '../external-connection';

const POOL_CLOSE_WAIT_MS = 1_000;

/** Owns the embedded cluster's lifecycle inside the Nest application. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedPostgres');
  private server?: EmbeddedPostgresServer;
  private info?: EmbeddedServerInfo;

  constructor(
    private readonly config: DatabaseConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async start(): Promise<DatabaseConnections> {
    const started = Date.now();
    this.server = new EmbeddedPostgresServer(this.config.dataDir, (message, level = 'debug') =>
      this.logger[level === 'info' ? 'log' : level](message),
    );
    this.info = await this.server.start();
    this.logger.log(
      `embedded PostgreSQL on 127.0.0.1:${this.info.app.port} over TLS (${Date.now() - started} ms)`,
    );
    return { app: this.info.app, owner: this.info.owner };
  }

  /** For the start-up banner; undefined until started (and always with DATABASE_URL). */
  describe(): string | undefined {
    if (!this.info) return undefined;
    const { majorVersion, app, pgdata } = this.info;
    return `embedded PostgreSQL ${majorVersion} over TLS on ${app.host}:${app.port}, data in ${pgdata}`;
  }

  /**
   * Last in the shutdown: the pool closes first, so PostgreSQL's fast shutdown has no live session
   * to terminate. A query still running for a connection the shutdown cut is not waited for (the
   * pool would wait for it): the fast shutdown ends it, and it rolls back.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) {
      const destroyed = dataSource.destroy();
      await Promise.race([destroyed, new Promise((r) => setTimeout(r, POOL_CLOSE_WAIT_MS))]);
    }
    await this.server.stop();
    this.server = undefined;
  }
}

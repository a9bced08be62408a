import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';
import type { DatabaseConnections } from './external-connection';
import { EmbeddedPostgresServer } from './embedded-postgres.server';

const POOL_CLOSE_WAIT_MS = 1_000;

/** Owns the embedded cluster's lifecycle inside the Nest application. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedPostgres');
  private server?: EmbeddedPostgresServer;

  constructor(
    private readonly env: Env,
    private readonly moduleRef: ModuleRef,
  ) {}

  async start(): Promise<DatabaseConnections> {
    const started = Date.now();
    this.server = new EmbeddedPostgresServer(this.env.DATA_DIR, (m) => this.logger.debug(m));
    const info = await this.server.start();
    this.logger.log(
      `embedded PostgreSQL on 127.0.0.1:${info.app.port} over TLS (${Date.now() - started} ms)`,
    );
    return { app: info.app, owner: info.owner };
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

import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * Work that must not shape a response's timing: the request answers first and the work runs
 * right after, on its own. `POST /auth/password/forgot` uses it so that whether an account exists
 * (a token, an outbox row, more audit work) can never be read from how long the 202 took. A
 * failure is logged (never thrown at a caller that already has its answer); shutdown waits for
 * work in flight, so a 202 that was sent is not lost to a SIGTERM that follows it.
 */
@Injectable()
export class DeferredWork implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DeferredWork');
  private readonly pending = new Set<Promise<void>>();

  run(label: string, work: () => Promise<void>): void {
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.logger.error(`${label} failed`, error));
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  /** Resolves once every job started so far has finished (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }
}

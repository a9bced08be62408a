import { Injectable } from '@nestjs/common';
import { Transactions } from './transactions';

/** Whether PostgreSQL answers a trivial query within `timeoutMs` (readiness). */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly tx: Transactions) {}

  async answers(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ping = this.tx.manager.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

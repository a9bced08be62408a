import type { Transactions } from '../../src/database/transactions';

/**
 * A unit of work for service specs: runs the work at once, and records that it ran inside one, so a
 * spec can assert that a rule's writes happen together (`inTransaction()` from inside a mock).
 */
export function fakeTransactions(): Pick<Transactions, 'run'> & { inTransaction(): boolean } {
  let depth = 0;
  return {
    run: async <T>(work: () => Promise<T>): Promise<T> => {
      depth++;
      try {
        return await work();
      } finally {
        depth--;
      }
    },
    inTransaction: () => depth > 0,
  };
}

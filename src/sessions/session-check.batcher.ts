/**
 * Coalesces the per-request session checks that arrive in the same turn of the event loop into one
 * query (DataLoader-style). Every check is still answered by a read issued after its request
 * arrived, so revocation keeps taking effect on the very next request; under load, 50 concurrent
 * requests cost one round trip to PostgreSQL instead of 50.
 */
export class SessionCheckBatcher<T> {
  private pending: Array<{
    key: string;
    resolve: (value: T | undefined) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(
    private readonly load: (keys: string[]) => Promise<Map<string, T>>,
    private readonly maxBatch = 100,
  ) {}

  check(key: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ key, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (let i = 0; i < batch.length; i += this.maxBatch) {
      const slice = batch.slice(i, i + this.maxBatch);
      this.load([...new Set(slice.map((entry) => entry.key))]).then(
        (found) => slice.forEach((entry) => entry.resolve(found.get(entry.key))),
        (error: unknown) => slice.forEach((entry) => entry.reject(error)),
      );
    }
  }
}

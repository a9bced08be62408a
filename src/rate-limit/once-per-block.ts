const MAX_MARKS = 10_000;

/**
 * Answers "is this the first refusal of this block?" so that a block is audited once, not once per
 * refused request: a flood must not become a flood of (serialised, hash-chained) audit writes.
 * Bounded in size; a mark lasts as long as the block it stands for.
 */
export class OncePerBlock {
  private readonly until = new Map<string, number>();

  first(key: string, blockSeconds: number, now = Date.now()): boolean {
    if ((this.until.get(key) ?? 0) > now) return false;
    if (this.until.size >= MAX_MARKS) {
      for (const [k, end] of this.until) if (end <= now) this.until.delete(k);
      if (this.until.size >= MAX_MARKS) this.until.clear();
    }
    this.until.set(key, now + blockSeconds * 1000);
    return true;
  }
}

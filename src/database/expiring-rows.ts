import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * Inserts a row whose `expiresAt` is `ttlSeconds` from now by the database's clock, which every
 * later expiry check reads (the app's clock may differ from it).
 */
export async function insertExpiring<Row extends ObjectLiteral & { expiresAt: Date }>(
  rows: Repository<Row>,
  values: Partial<Omit<Row, 'expiresAt'>>,
  ttlSeconds: number,
): Promise<void> {
  await rows
    .createQueryBuilder()
    .insert()
    .values({ ...values, expiresAt: () => 'now() + make_interval(secs => :ttlSeconds)' })
    .setParameter('ttlSeconds', ttlSeconds)
    .execute();
}

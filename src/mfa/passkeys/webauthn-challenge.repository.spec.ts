import { FindOperator, IsNull } from 'typeorm';
import { fakeTransactions } from '../../../test/support/unit-doubles';
import { insertExpiring } from '../../database/expiring-rows';
import type { Transactions } from '../../database/transactions';
import { WebauthnChallengeEntity } from './webauthn-challenge.entity';
import { WebauthnChallengeRepository } from './webauthn-challenge.repository';

jest.mock('../../database/expiring-rows');

const HASH = 'a'.repeat(64);
const OWNER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

/** The SQL a `Raw` condition writes for a column. */
const sqlOf = (condition: unknown, column: string): string =>
  (condition as FindOperator<unknown>).getSql!(column);

// What the table is asked, pinned without a database: the rows' rules themselves run against
// PostgreSQL in test/mfa/passkey-challenges.e2e-spec.ts.
describe('WebauthnChallengeRepository', () => {
  let repository: WebauthnChallengeRepository;
  const table = { delete: jest.fn() };
  const getRepository = jest.fn(() => table);

  beforeEach(() => {
    jest.mocked(insertExpiring).mockReset();
    table.delete.mockReset().mockResolvedValue({ affected: 0 });
    getRepository.mockClear();
    const tx = { ...fakeTransactions(), manager: { getRepository } } as unknown as Transactions;
    repository = new WebauthnChallengeRepository(tx);
  });

  it('stores a challenge for one purpose and one user, expiring by the database’s clock, and sweeps expired ones', async () => {
    await repository.create(HASH, 'step_up', OWNER, 180);
    expect(getRepository).toHaveBeenCalledWith(WebauthnChallengeEntity);
    expect(insertExpiring).toHaveBeenCalledWith(
      table,
      { challengeHash: HASH, purpose: 'step_up', userId: OWNER },
      180,
    );
    const [{ expiresAt }] = table.delete.mock.calls[0] as [{ expiresAt: unknown }];
    expect(sqlOf(expiresAt, 'expires_at')).toBe('expires_at < now()');
  });

  it('spends a challenge only with its purpose, its user and time left, in one DELETE', async () => {
    table.delete.mockResolvedValue({ affected: 1 });
    await expect(repository.consume(HASH, 'second_factor', OWNER)).resolves.toBe(true);
    expect(table.delete).toHaveBeenCalledTimes(1);
    const [where] = table.delete.mock.calls[0] as [Record<string, unknown>];
    expect(where).toMatchObject({ challengeHash: HASH, purpose: 'second_factor', userId: OWNER });
    expect(sqlOf(where.expiresAt, 'expires_at')).toBe('expires_at > now()');
  });

  it('spends a passwordless challenge only if it was issued to no user', async () => {
    await repository.consume(HASH, 'passwordless', null);
    const [where] = table.delete.mock.calls[0] as [Record<string, unknown>];
    expect(where.userId).toEqual(IsNull());
  });

  it('answers false when no row matched (never issued, spent, expired or someone else’s)', async () => {
    table.delete.mockResolvedValue({ affected: 0 });
    await expect(repository.consume(HASH, 'step_up', OWNER)).resolves.toBe(false);
    table.delete.mockResolvedValue({});
    await expect(repository.consume(HASH, 'step_up', OWNER)).resolves.toBe(false);
  });
});

import { fakeTransactions } from '../../../test/support/unit-doubles';
import type { Transactions } from '../../database/transactions';
import type { PasskeyEntity } from './passkey.entity';
import { PasskeyRepository } from './passkey.repository';

const OWNER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

const anEntity = (overrides: Partial<PasskeyEntity> = {}): PasskeyEntity => ({
  id: '0b9f3c1e-2d4a-4b6c-8d0e-1f2a3b4c5d6e',
  userId: OWNER,
  credentialId: 'Y3JlZGVudGlhbA',
  publicKey: Buffer.from('cose'),
  counter: '42',
  transports: ['internal'],
  backupEligible: false,
  backedUp: false,
  name: null,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  lastUsedAt: null,
  ...overrides,
});

// How the repository reads what PostgreSQL answers; the counter rule itself runs against the real
// table in test/mfa/passkey-counter.e2e-spec.ts.
describe('PasskeyRepository', () => {
  let repository: PasskeyRepository;
  const table = { findOneBy: jest.fn(), find: jest.fn() };
  const manager = { getRepository: () => table, query: jest.fn() };

  beforeEach(() => {
    table.findOneBy.mockReset();
    table.find.mockReset();
    manager.query.mockReset();
    const tx = { ...fakeTransactions(), manager } as unknown as Transactions;
    repository = new PasskeyRepository(tx);
  });

  it('reads the bigint counter as a number, and never hands out the owner relation', async () => {
    table.findOneBy.mockResolvedValue(anEntity({ user: { id: OWNER } as PasskeyEntity['user'] }));
    const row = await repository.findByCredentialId('Y3JlZGVudGlhbA');
    expect(row?.counter).toBe(42);
    expect(row).not.toHaveProperty('user');
    table.find.mockResolvedValue([anEntity({ counter: '0' })]);
    await expect(repository.listForUser(OWNER)).resolves.toEqual([
      expect.objectContaining({ counter: 0 }),
    ]);
  });

  it('a use lands only when the conditional UPDATE changed the row', async () => {
    manager.query.mockResolvedValueOnce([[{ id: 'p' }], 1]);
    await expect(repository.recordUse('p', 8, true)).resolves.toBe(true);
    expect(manager.query).toHaveBeenLastCalledWith(expect.stringContaining('UPDATE passkeys'), [
      'p',
      8,
      true,
    ]);
    manager.query.mockResolvedValueOnce([[], 0]);
    await expect(repository.recordUse('p', 8, true)).resolves.toBe(false);
  });

  it('answers undefined for a credential id already registered (the INSERT did nothing)', async () => {
    manager.query.mockResolvedValue([]);
    await expect(
      repository.insert({
        userId: OWNER,
        credentialId: 'Y3JlZGVudGlhbA',
        publicKey: Buffer.from('cose'),
        counter: 0,
        transports: [],
        backupEligible: false,
        backedUp: false,
        name: null,
      }),
    ).resolves.toBeUndefined();
    expect(manager.query).toHaveBeenCalledWith(
      expect.stringContaining('ON CONFLICT (credential_id) DO NOTHING'),
      expect.any(Array),
    );
  });
});

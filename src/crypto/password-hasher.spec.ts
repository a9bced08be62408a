import { PasswordHasher } from './password-hasher.service';

function hasher(rounds = 4, pepper = 'p'.repeat(16) + 'QWERTYUIOPASDFGHJKL1'): PasswordHasher {
  return new PasswordHasher({ bcryptRounds: rounds, passwordPepper: pepper });
}

describe('PasswordHasher', () => {
  // The default cost (12) is the environment's: src/config/load-env.spec.ts checks it.

  it('verifies the right password and rejects a wrong one', async () => {
    const h = hasher();
    const hash = await h.hash('Correct-Horse-42!');
    expect(hash).toMatch(/^\$2b\$04\$/);
    await expect(h.verify('Correct-Horse-42!', hash)).resolves.toBe(true);
    await expect(h.verify('Correct-Horse-43!', hash)).resolves.toBe(false);
  });

  it('does not truncate: passwords sharing their first 72 bytes differ', async () => {
    const h = hasher();
    const prefix = 'A1!a'.repeat(18); // 72 bytes
    const hash = await h.hash(`${prefix}tail-one`);
    await expect(h.verify(`${prefix}tail-two`, hash)).resolves.toBe(false);
    await expect(h.verify(`${prefix}tail-one`, hash)).resolves.toBe(true);
  });

  it('normalises to NFKC, so composed and decomposed forms match', async () => {
    const h = hasher();
    const hash = await h.hash('Caf\u00e9-Secret-1234');
    await expect(h.verify('Cafe\u0301-Secret-1234', hash)).resolves.toBe(true);
  });

  it('depends on the pepper: the same password under another pepper fails', async () => {
    const hash = await hasher(4, 'a'.repeat(40)).hash('Pepper-Test-123!');
    await expect(hasher(4, 'b'.repeat(40)).verify('Pepper-Test-123!', hash)).resolves.toBe(false);
  });

  it('asks for a rehash when the cost setting changed', async () => {
    const hash = await hasher(4).hash('Rounds-Change-1!');
    expect(hasher(4).needsRehash(hash)).toBe(false);
    expect(hasher(5).needsRehash(hash)).toBe(true);
  });

  it('makes dummy hashes at the requested cost that no password matches', async () => {
    const h = hasher(4);
    const dummy = await h.dummyHash(5);
    expect(dummy).toMatch(/^\$2b\$05\$/);
    await expect(h.verify('anything', dummy)).resolves.toBe(false);
  });
});

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

  describe('pepper rotation', () => {
    const OLD = 'o'.repeat(16) + 'ZXCVBNMLKJHGFDSAQWE1';
    const NEW = 'n'.repeat(16) + 'POIUYTREWQLKJHGFDSA2';
    const rotated = (previous = `p1:${OLD}`): PasswordHasher =>
      new PasswordHasher({
        bcryptRounds: 4,
        passwordPepper: NEW,
        passwordPepperId: 'p2',
        previousPasswordPeppers: previous,
      });

    it('records the pepper id in the stored hash, after the bcrypt hash', async () => {
      expect(await hasher(4, OLD).hash('Rotate-Me-42!')).toMatch(
        /^\$2b\$04\$[./A-Za-z0-9]{53}#p1$/,
      );
      expect(await rotated().hash('Rotate-Me-42!')).toMatch(/#p2$/);
    });

    it('verifies a hash under a retired pepper and asks for its rehash; the new hash needs none', async () => {
      const old = await hasher(4, OLD).hash('Rotate-Me-42!');
      const h = rotated();
      await expect(h.verify('Rotate-Me-42!', old)).resolves.toBe(true);
      await expect(h.verify('Rotate-Me-43!', old)).resolves.toBe(false);
      expect(h.needsRehash(old)).toBe(true);
      const renewed = await h.hash('Rotate-Me-42!');
      expect(h.needsRehash(renewed)).toBe(false);
      await expect(h.verify('Rotate-Me-42!', renewed)).resolves.toBe(true);
    });

    it('a hash without an id is from before ids: made under p1', async () => {
      const legacy = (await hasher(4, OLD).hash('Legacy-Hash-42!')).replace(/#p1$/, '');
      await expect(hasher(4, OLD).verify('Legacy-Hash-42!', legacy)).resolves.toBe(true);
      expect(hasher(4, OLD).needsRehash(legacy)).toBe(false);
      await expect(rotated().verify('Legacy-Hash-42!', legacy)).resolves.toBe(true);
    });

    it('refuses the right password once its pepper is no longer configured', async () => {
      const old = await hasher(4, OLD).hash('Rotate-Me-42!');
      await expect(rotated('').verify('Rotate-Me-42!', old)).resolves.toBe(false);
    });

    it('refuses a malformed, short, duplicate-id or reused retired pepper at construction, naming ids only', () => {
      expect(() => rotated('p1')).toThrow('PASSWORD_PEPPERS_PREVIOUS: each entry is id:secret');
      expect(() => rotated('p1:short')).toThrow('secret "p1" must be at least 32 bytes');
      expect(() => rotated(`p2:${OLD}`)).toThrow('id "p2" is used more than once');
      expect(() => rotated(`p1:${NEW}`)).toThrow('"p2" and "p1" are the same secret');
      expect(() => rotated(`bad id:${OLD}`)).toThrow('PASSWORD_PEPPERS_PREVIOUS: an id must match');
      try {
        rotated('p1:short');
      } catch (error) {
        expect(String(error)).not.toContain('short');
      }
    });
  });

  it('makes dummy hashes at the requested cost that no password matches', async () => {
    const h = hasher(4);
    const dummy = await h.dummyHash(5);
    expect(dummy).toMatch(/^\$2b\$05\$/);
    await expect(h.verify('anything', dummy)).resolves.toBe(false);
  });
});

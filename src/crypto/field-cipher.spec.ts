import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import {
  CiphertextAuthenticationError,
  FieldCipher,
  type FieldLocation,
  UnknownKeyError,
} from './field-cipher.service';
import { generateKey } from './generate-key';
import { KEYRING, Keyring, parseKeyring } from './keyring';

const K1 = '1'.repeat(8) + randomBytes(28).toString('hex');
const K2 = '2'.repeat(8) + randomBytes(28).toString('hex');
const AT: FieldLocation = { table: 'users', column: 'email', rowId: '42' };

const cipherFor = (ENCRYPTION_KEYS: string) => new FieldCipher(parseKeyring({ ENCRYPTION_KEYS }));

/** Re-encodes one dot-separated part of a token with a single bit flipped. */
function flipBit(token: string, part: number, bit: number): string {
  const parts = token.split('.');
  const buf = Buffer.from(parts[part], 'base64url');
  buf[bit >> 3] ^= 1 << (bit & 7);
  parts[part] = buf.toString('base64url');
  return parts.join('.');
}

describe('FieldCipher', () => {
  const cipher = cipherFor(`k1:${K1}`);

  describe('round trip', () => {
    it.each([
      ['ascii', 'alice@example.com'],
      ['empty string', ''],
      ['unicode', 'Zoë 🚀 日本語 \u0000 \u{10FFFF}'],
      ['long', 'x'.repeat(100_000)],
    ])('%s', (_label, plaintext) => {
      const token = cipher.encrypt(plaintext, AT);
      expect(token).toMatch(/^v1\.k1\.[\w-]{16}\.[\w-]{22}\.[\w-]*$/);
      expect(cipher.decrypt(token, AT)).toBe(plaintext);
    });

    it('does not put the plaintext in the token', () => {
      expect(cipher.encrypt('alice@example.com', AT)).not.toContain('alice');
    });

    it('refuses plaintext that UTF-8 cannot round-trip', () => {
      expect(() => cipher.encrypt('bad \uD800 surrogate', AT)).toThrow(TypeError);
    });
  });

  describe('tampering', () => {
    const token = cipher.encrypt('secret value', AT);
    const bitsOf = (part: number) =>
      Array.from(
        { length: Buffer.from(token.split('.')[part], 'base64url').length * 8 },
        (_, i) => i,
      );

    it.each([
      ['IV', 2],
      ['tag', 3],
      ['ciphertext', 4],
    ])('every single-bit flip in the %s is rejected', (_label, part) => {
      for (const bit of bitsOf(part)) {
        expect(() => cipher.decrypt(flipBit(token, part, bit), AT)).toThrow(
          CiphertextAuthenticationError,
        );
      }
    });

    it('rejects a truncated tag', () => {
      const parts = token.split('.');
      parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, 12).toString('base64url');
      expect(() => cipher.decrypt(parts.join('.'), AT)).toThrow(CiphertextAuthenticationError);
    });

    it('rejects a header relabelled to another configured key', () => {
      const both = cipherFor(`k1:${K1},k2:${K2}`);
      const relabelled = token.replace(/^v1\.k1\./, 'v1.k2.');
      expect(() => both.decrypt(relabelled, AT)).toThrow(CiphertextAuthenticationError);
    });

    it.each([
      ['another row', { ...AT, rowId: '43' }],
      ['another column', { ...AT, column: 'phone' }],
      ['another table', { ...AT, table: 'admins' }],
    ])('rejects a value moved to %s', (_label, elsewhere) => {
      expect(() => cipher.decrypt(token, elsewhere)).toThrow(CiphertextAuthenticationError);
    });

    it('does not let separators in names make two locations collide', () => {
      const t = cipher.encrypt('v', { table: 'a:b', column: 'c', rowId: '1' });
      expect(() => cipher.decrypt(t, { table: 'a', column: 'b:c', rowId: '1' })).toThrow(
        CiphertextAuthenticationError,
      );
    });

    it('refuses an empty location component', () => {
      expect(() => cipher.encrypt('v', { ...AT, rowId: '' })).toThrow('aad.rowId');
    });

    it.each([
      '',
      'garbage',
      'v1.k1.a.b',
      'v1.k1.a.b.c.d',
      token.replace(/^v1/, 'v2'),
      token.replace(/^v1\.k1/, 'v1.k!'),
      token + '*',
      token.replace(/\.[\w-]+\./, (m) => m.replace('.', '. ')),
    ])('rejects malformed token %#', (bad) => {
      expect(() => cipher.decrypt(bad, AT)).toThrow(CiphertextAuthenticationError);
    });

    it('uses one generic message that leaks neither key nor plaintext', () => {
      const error = (() => {
        try {
          cipher.decrypt(flipBit(token, 4, 0), AT);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(CiphertextAuthenticationError);
      expect(error?.message).toBe('Encrypted value could not be authenticated');
      expect(error?.message).not.toContain('secret');
      expect(error?.message).not.toContain(K1.slice(0, 8));
    });
  });

  it('names an unknown key id clearly', () => {
    const other = cipherFor(`k9:${K2}`).encrypt('v', AT);
    expect(() => cipher.decrypt(other, AT)).toThrow(UnknownKeyError);
    expect(() => cipher.decrypt(other, AT)).toThrow('No encryption key with id "k9" is configured');
  });

  it('rotates: old values decrypt, re-encryption moves them to the new key', () => {
    const before = cipherFor(`k1:${K1}`);
    const old = before.encrypt('rotate me', AT);
    expect(before.needsReencryption(old)).toBe(false);

    const after = cipherFor(`k2:${K2},k1:${K1}`);
    expect(after.keyIdOf(old)).toBe('k1');
    expect(after.needsReencryption(old)).toBe(true);
    expect(after.decrypt(old, AT)).toBe('rotate me');

    const fresh = after.encrypt(after.decrypt(old, AT), AT);
    expect(after.keyIdOf(fresh)).toBe('k2');
    expect(after.needsReencryption(fresh)).toBe(false);
    expect(after.decrypt(fresh, AT)).toBe('rotate me');
    // The retired key alone cannot read the rotated value.
    expect(() => before.decrypt(fresh, AT)).toThrow(UnknownKeyError);
  });

  it('never repeats an IV', () => {
    const ivs = new Set<string>();
    const n = 20_000;
    for (let i = 0; i < n; i++) ivs.add(cipher.encrypt('same', AT).split('.')[2]);
    expect(ivs.size).toBe(n);
  });

  it('is injectable by Nest through the KEYRING token', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        FieldCipher,
        { provide: KEYRING, useValue: parseKeyring({ ENCRYPTION_KEY: K1 }) },
      ],
    }).compile();
    const injected = moduleRef.get(FieldCipher);
    expect(injected.decrypt(cipher.encrypt('di', AT), AT)).toBe('di');
  });
});

describe('parseKeyring', () => {
  it('gives a lone ENCRYPTION_KEY the id k1', () => {
    const ring = parseKeyring({ ENCRYPTION_KEY: K1 });
    expect(ring.activeKeyId).toBe('k1');
    expect(ring.key('k1').symmetricKeySize).toBe(32);
  });

  it('prefers ENCRYPTION_KEYS, encrypts with the first and keeps all', () => {
    const ring = parseKeyring({
      ENCRYPTION_KEY: K1,
      ENCRYPTION_KEYS: ` new:${K2.toUpperCase()} , old:${K1}`,
    });
    expect(ring.activeKeyId).toBe('new');
    expect(ring.key('new').symmetricKeySize).toBe(32);
    expect(ring.key('old').symmetricKeySize).toBe(32);
    expect(() => ring.key('k1')).toThrow(UnknownKeyError);
  });

  it('treats blank ENCRYPTION_KEYS as unset', () => {
    expect(parseKeyring({ ENCRYPTION_KEY: K1, ENCRYPTION_KEYS: '  ' }).activeKeyId).toBe('k1');
  });

  const MATERIAL = 'deadbeef'.repeat(8);
  it.each([
    ['nothing set', {}, 'ENCRYPTION_KEY or ENCRYPTION_KEYS must be set'],
    [
      'short single key',
      { ENCRYPTION_KEY: MATERIAL.slice(2) },
      'ENCRYPTION_KEY: value is not 64 hex characters',
    ],
    [
      'non-hex single key',
      { ENCRYPTION_KEY: MATERIAL.replace(/.$/, 'g') },
      'ENCRYPTION_KEY: value is not 64 hex',
    ],
    [
      'short key',
      { ENCRYPTION_KEYS: `k1:${K1},k2:${MATERIAL.slice(2)}` },
      'ENCRYPTION_KEYS: key "k2" is not 64 hex characters',
    ],
    [
      'long key',
      { ENCRYPTION_KEYS: `k2:${MATERIAL}00` },
      'ENCRYPTION_KEYS: key "k2" is not 64 hex characters',
    ],
    [
      'non-hex key',
      { ENCRYPTION_KEYS: `k2:${MATERIAL.replace(/.$/, 'z')}` },
      'ENCRYPTION_KEYS: key "k2" is not 64 hex',
    ],
    [
      'duplicate id',
      { ENCRYPTION_KEYS: `k1:${MATERIAL},k1:${K2}` },
      'ENCRYPTION_KEYS: key id "k1" is used more than once',
    ],
    [
      'duplicate material',
      { ENCRYPTION_KEYS: `a:${MATERIAL},b:${MATERIAL.toUpperCase()}` },
      'ENCRYPTION_KEYS: keys "a" and "b" have identical key material',
    ],
    [
      'bad id',
      { ENCRYPTION_KEYS: `k1:${K1},bad.id:${MATERIAL}` },
      'ENCRYPTION_KEYS: entry 2 has an invalid key id',
    ],
    [
      'over-long id',
      { ENCRYPTION_KEYS: `${'a'.repeat(33)}:${MATERIAL}` },
      'ENCRYPTION_KEYS: entry 1 has an invalid key id',
    ],
    [
      'key pasted in place of id',
      { ENCRYPTION_KEYS: `${MATERIAL}:k1` },
      'ENCRYPTION_KEYS: entry 1 has an invalid key id',
    ],
    [
      'missing separator',
      { ENCRYPTION_KEYS: MATERIAL },
      'ENCRYPTION_KEYS: entry 1 is not in "id:hex" form',
    ],
    [
      'trailing comma',
      { ENCRYPTION_KEYS: `k1:${MATERIAL},` },
      'ENCRYPTION_KEYS: entry 2 is not in "id:hex" form',
    ],
  ])('rejects %s, naming the variable but not the key', (_label, env, message) => {
    let error: Error | undefined;
    try {
      parseKeyring(env);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message.toLowerCase()).not.toContain('deadbeef');
    expect(error?.message).not.toContain(K1.slice(8, 16));
    expect(error?.message).not.toContain(K2.slice(8, 16));
  });

  it('validates keys handed to the Keyring constructor directly', () => {
    expect(() => new Keyring([{ id: 'k1', key: Buffer.alloc(16) }])).toThrow(
      'Keyring: key "k1" is not 32 bytes',
    );
    expect(() => new Keyring([])).toThrow('Keyring: no keys configured');
  });

  it('throws UnknownKeyError for a missing id', () => {
    expect(() => parseKeyring({ ENCRYPTION_KEY: K1 }).key('nope')).toThrow(UnknownKeyError);
  });
});

describe('generateKey', () => {
  it('produces a 32-byte hex key with a valid, non-derived id that parseKeyring accepts', () => {
    const a = generateKey(new Date('2026-04-28T12:00:00Z'));
    const b = generateKey();
    expect(a.hex).toMatch(/^[0-9a-f]{64}$/);
    expect(a.id).toMatch(/^k20260428-[0-9a-f]{6}$/);
    expect(a.hex).not.toBe(b.hex);
    expect(a.hex).not.toContain(a.id.slice(-6));
    expect(parseKeyring({ ENCRYPTION_KEYS: `${a.id}:${a.hex},${b.id}:${b.hex}` }).activeKeyId).toBe(
      a.id,
    );
  });
});

import { digestsEqual, hmacSha256Hex, sha256Hex } from './digest';

describe('sha256Hex', () => {
  it('is the SHA-256 of the UTF-8 bytes, in lower-case hex', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    // é as UTF-8 (c3 a9), not as the one Latin-1 byte e9.
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});

describe('hmacSha256Hex', () => {
  // RFC 4231, test case 2.
  const RFC_4231_2 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

  it('is HMAC-SHA-256 under the key, of the parts in order', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(RFC_4231_2);
    expect(hmacSha256Hex('Jefe', 'what do ya ', 'want ', 'for nothing?')).toBe(RFC_4231_2);
    expect(hmacSha256Hex(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(RFC_4231_2);
  });

  it('depends on the key and on every part', () => {
    const mac = hmacSha256Hex('key', 'a', 'b');
    expect(hmacSha256Hex('other key', 'a', 'b')).not.toBe(mac);
    expect(hmacSha256Hex('key', 'a')).not.toBe(mac);
    expect(hmacSha256Hex('key', 'b', 'a')).not.toBe(mac);
  });
});

describe('digestsEqual', () => {
  const digest = sha256Hex('a refresh token');

  it('is true for the same digest, in either case of hex', () => {
    expect(digestsEqual(digest, sha256Hex('a refresh token'))).toBe(true);
    expect(digestsEqual(digest.toUpperCase(), digest)).toBe(true);
  });

  it('is false for another digest, even one differing in the last byte only', () => {
    expect(digestsEqual(digest, sha256Hex('another token'))).toBe(false);
    const lastByteFlipped = digest.slice(0, -2) + (digest.endsWith('00') ? '01' : '00');
    expect(digestsEqual(digest, lastByteFlipped)).toBe(false);
  });

  it('is false, not an exception, for a digest of another length', () => {
    expect(digestsEqual(digest, digest.slice(0, 32))).toBe(false);
    expect(digestsEqual(digest.slice(0, 32), digest)).toBe(false);
  });

  it('never matches two empty values: a missing digest proves nothing', () => {
    expect(digestsEqual('', '')).toBe(false);
    // Not hex: decodes to nothing, like an empty value.
    expect(digestsEqual('zz', 'zz')).toBe(false);
  });
});

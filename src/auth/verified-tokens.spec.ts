import { sharedSecretKey } from '../signing-keys/key-material';
import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  const key = sharedSecretKey('a'.repeat(40));
  const other = sharedSecretKey('b'.repeat(40));
  const payload = { sub: 'u', nbf: 100, exp: 200 };

  it('answers a remembered token for the same key while nbf <= now < exp', () => {
    const cache = new VerifiedTokens(10);
    cache.remember('t', key, payload);
    expect(cache.get('t', key, 100)).toBe(payload);
    expect(cache.get('t', key, 199)).toBe(payload);
    expect(cache.get('t', key, 200)).toBeUndefined();
    expect(cache.get('t', key, 99)).toBeUndefined();
  });

  it('never answers for another key object or another token', () => {
    const cache = new VerifiedTokens(10);
    cache.remember('t', key, payload);
    expect(cache.get('t', other, 150)).toBeUndefined();
    expect(cache.get('t ', key, 150)).toBeUndefined();
  });

  it('keeps at most its capacity, dropping the oldest first, and skips a payload without exp', () => {
    const cache = new VerifiedTokens(2);
    cache.remember('a', key, payload);
    cache.remember('b', key, payload);
    cache.remember('c', key, payload);
    expect(cache.get('a', key, 150)).toBeUndefined();
    expect(cache.get('b', key, 150)).toBe(payload);
    expect(cache.get('c', key, 150)).toBe(payload);
    cache.remember('d', key, { sub: 'u' });
    expect(cache.get('d', key, 150)).toBeUndefined();
  });
});

import { createHash, createHmac } from 'node:crypto';
import {
  canonicalJson,
  computeAuditHash,
  GENESIS_HASH,
  type HashedAuditFields,
} from './audit-hash';

const fields: HashedAuditFields = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  type: 'auth.login.success',
  userId: null,
  ip: '127.0.0.1',
  userAgent: 'jest',
  requestId: 'req-1',
  metadata: { b: 1, a: { d: [1, 'x', null], c: true } },
  createdAt: new Date('2025-01-02T03:04:05.678Z'),
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('does not depend on the key order jsonb hands back', () => {
    expect(canonicalJson({ x: 1, y: { q: 2, p: 3 } })).toBe(
      canonicalJson({ y: { p: 3, q: 2 }, x: 1 }),
    );
  });

  it('drops undefined members like JSON.stringify, writes null for missing array items and non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined], d: Number.NaN })).toBe(
      '{"b":null,"c":[null],"d":null}',
    );
  });

  it('escapes strings exactly as JSON does, so no value can fake a field boundary', () => {
    expect(canonicalJson({ a: 'x","b":"y' })).toBe('{"a":"x\\",\\"b\\":\\"y"}');
    expect(canonicalJson({ a: 'x', b: 'y' })).not.toBe(canonicalJson({ a: 'x","b":"y' }));
  });

  it('refuses bigint rather than hashing something jsonb would store differently', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('computeAuditHash', () => {
  it('is HMAC-SHA-256 under the key over prevHash || canonical JSON, and differs with another key', () => {
    const payload =
      '{"createdAt":"2025-01-02T03:04:05.678Z","id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","ip":"127.0.0.1",' +
      '"metadata":{"a":{"c":true,"d":[1,"x",null]},"b":1},"requestId":"req-1","type":"auth.login.success",' +
      '"userAgent":"jest","userId":null}';
    const key = 'k'.repeat(40);
    const expected = createHmac('sha256', key)
      .update(GENESIS_HASH + payload)
      .digest('hex');
    expect(computeAuditHash(GENESIS_HASH, fields, key)).toBe(expected);
    expect(computeAuditHash(GENESIS_HASH, fields, 'j'.repeat(40))).not.toBe(expected);
    expect(computeAuditHash(GENESIS_HASH, fields, null)).not.toBe(expected);
  });

  it('without a key (events from before the chain was keyed) is sha256(prevHash || canonical JSON)', () => {
    const expected = createHash('sha256')
      .update(
        GENESIS_HASH +
          '{"createdAt":"2025-01-02T03:04:05.678Z","id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","ip":"127.0.0.1",' +
          '"metadata":{"a":{"c":true,"d":[1,"x",null]},"b":1},"requestId":"req-1","type":"auth.login.success",' +
          '"userAgent":"jest","userId":null}',
      )
      .digest('hex');
    expect(computeAuditHash(GENESIS_HASH, fields, null)).toBe(expected);
  });

  it('changes when any covered field or the previous hash changes', () => {
    const base = computeAuditHash(GENESIS_HASH, fields, null);
    const variants: Array<Partial<HashedAuditFields>> = [
      { id: '00000000-0000-4000-8000-000000000000' },
      { type: 'auth.logout' },
      { userId: '7c9e6679-7425-40de-944b-e07fc1f90ae8' },
      { ip: '10.0.0.1' },
      { userAgent: null },
      { requestId: 'req-2' },
      { metadata: { b: 2, a: { d: [1, 'x', null], c: true } } },
      { createdAt: new Date('2025-01-02T03:04:05.679Z') },
    ];
    for (const change of variants)
      expect(computeAuditHash(GENESIS_HASH, { ...fields, ...change }, null)).not.toBe(base);
    expect(computeAuditHash('f'.repeat(64), fields, null)).not.toBe(base);
  });

  it('is stable under metadata key reordering', () => {
    const reordered = { ...fields, metadata: { a: { c: true, d: [1, 'x', null] }, b: 1 } };
    expect(computeAuditHash(GENESIS_HASH, reordered, null)).toBe(
      computeAuditHash(GENESIS_HASH, fields, null),
    );
  });
});

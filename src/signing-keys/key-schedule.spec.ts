import { keyScheduleAt, type ScheduledKey } from './key-schedule';

const TTL = 900_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const key = (kid: string, signsFrom: number, revoked = false): ScheduledKey => ({
  kid,
  signsFrom,
  revoked,
});
const kids = (keys: ScheduledKey[]): string[] => keys.map((k) => k.kid);
const published = (schedule: ReturnType<typeof keyScheduleAt>): string[] =>
  schedule.published.map(({ key: k }) => k.kid);

describe('keyScheduleAt', () => {
  it('signs with the only key once its start has come, and not a millisecond before', () => {
    const only = [key('a', T0)];
    expect(keyScheduleAt(only, T0 - 1, TTL).signing).toBeUndefined();
    expect(kids(keyScheduleAt(only, T0 - 1, TTL).pending)).toEqual(['a']);
    expect(keyScheduleAt(only, T0, TTL).signing?.kid).toBe('a');
    expect(keyScheduleAt(only, T0, TTL).pending).toEqual([]);
  });

  it('hands over exactly at the successor’s signs_from, and publishes the successor ahead', () => {
    const keys = [key('new', T0 + 60_000), key('old', T0)]; // any order in, sorted inside
    const before = keyScheduleAt(keys, T0 + 59_999, TTL);
    expect(before.signing?.kid).toBe('old');
    expect(kids(before.pending)).toEqual(['new']);
    expect(published(before)).toEqual(['old', 'new']);
    const at = keyScheduleAt(keys, T0 + 60_000, TTL);
    expect(at.signing?.kid).toBe('new');
    expect(at.pending).toEqual([]);
    expect(at.published.find(({ key: k }) => k.kid === 'old')?.signsUntil).toBe(T0 + 60_000);
    expect(at.published.find(({ key: k }) => k.kid === 'new')?.signsUntil).toBeUndefined();
  });

  it('keeps a retired key published until one access-token lifetime after it stopped signing, not at that instant', () => {
    const retiredAt = T0 + 60_000;
    const keys = [key('old', T0), key('new', retiredAt)];
    expect(published(keyScheduleAt(keys, retiredAt + TTL - 1, TTL))).toEqual(['old', 'new']);
    // Exactly at retirement + TTL the last token it could have signed has expired.
    expect(published(keyScheduleAt(keys, retiredAt + TTL, TTL))).toEqual(['new']);
    expect(published(keyScheduleAt(keys, retiredAt + TTL + 1, TTL))).toEqual(['new']);
  });

  it('drops a revoked key at once: it neither signs, nor waits to sign, nor verifies', () => {
    const signingRevoked = [
      key('first', T0),
      key('second', T0 + 1_000, true),
      key('third', T0 + 5_000),
    ];
    const at = keyScheduleAt(signingRevoked, T0 + 5_000, TTL);
    expect(at.signing?.kid).toBe('third');
    expect(published(at)).not.toContain('second');
    expect(keyScheduleAt([key('only', T0, true)], T0 + 5_000, TTL)).toEqual({
      signing: undefined,
      pending: [],
      published: [],
    });
  });

  it('a revoked pending key never takes over: the signing key goes on signing past its start', () => {
    const keys = [key('current', T0), key('withdrawn', T0 + 1_000, true)];
    const later = keyScheduleAt(keys, T0 + 2_000, TTL);
    expect(later.signing?.kid).toBe('current');
    expect(later.pending).toEqual([]);
    expect(published(later)).toEqual(['current']);
  });

  it('a key revoked after it signed still ended its predecessor’s turn: the predecessor is not published again', () => {
    const retired = key('retired', T0);
    const replacement = key('replacement', T0 + 3 * TTL);
    // 'compromised' signed from T0 + 60 s until it was revoked at T0 + 3 TTL, when 'replacement' began.
    const revoked = [{ signsFrom: T0 + 60_000, revokedAt: T0 + 3 * TTL }];
    const schedule = keyScheduleAt([retired, replacement], T0 + 3 * TTL + 1, TTL, revoked);
    expect(schedule.signing?.kid).toBe('replacement');
    expect(published(schedule)).toEqual(['replacement']);
    // Without the revoked key's times, its predecessor would be handed its turn back.
    expect(published(keyScheduleAt([retired, replacement], T0 + 3 * TTL + 1, TTL))).toEqual([
      'retired',
      'replacement',
    ]);
  });

  it('a key revoked before it ever signed ends no one’s turn', () => {
    const revoked = [{ signsFrom: T0 + 10_000, revokedAt: T0 + 5_000 }];
    const schedule = keyScheduleAt([key('current', T0)], T0 + 20_000, TTL, revoked);
    expect(schedule.signing?.kid).toBe('current');
    expect(schedule.published).toEqual([{ key: key('current', T0), signsUntil: undefined }]);
  });

  it('lists several pending keys in start order, all published, each ending the one before', () => {
    const keys = [key('c', T0 + 20_000), key('a', T0), key('b', T0 + 10_000)];
    const schedule = keyScheduleAt(keys, T0 + 5_000, TTL);
    expect(schedule.signing?.kid).toBe('a');
    expect(kids(schedule.pending)).toEqual(['b', 'c']);
    expect(schedule.published.map(({ key: k, signsUntil }) => [k.kid, signsUntil])).toEqual([
      ['a', T0 + 10_000],
      ['b', T0 + 20_000],
      ['c', undefined],
    ]);
    expect(keyScheduleAt(keys, T0 + 10_000, TTL).signing?.kid).toBe('b');
    expect(keyScheduleAt(keys, T0 + 20_000, TTL).signing?.kid).toBe('c');
  });

  it('publishes a key that signed for a moment only as long as a token from that moment lives', () => {
    const keys = [key('a', T0), key('b', T0 + 1_000), key('c', T0 + 2_000)];
    expect(published(keyScheduleAt(keys, T0 + 1_000 + TTL - 1, TTL))).toEqual(['a', 'b', 'c']);
    expect(published(keyScheduleAt(keys, T0 + 1_000 + TTL, TTL))).toEqual(['b', 'c']);
    expect(published(keyScheduleAt(keys, T0 + 2_000 + TTL, TTL))).toEqual(['c']);
  });
});

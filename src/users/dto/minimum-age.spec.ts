import { ageOn } from './minimum-age.decorator';

describe('ageOn', () => {
  const today = new Date(Date.UTC(2026, 10, 27)); // 2026-11-27

  it('counts to the day around the birthday (naive year subtraction is wrong here)', () => {
    expect(ageOn('2013-11-27', today)).toBe(13);
    expect(ageOn('2013-11-28', today)).toBe(12);
    expect(ageOn('2013-12-01', today)).toBe(12);
    expect(ageOn('2013-10-31', today)).toBe(13);
  });

  it('treats a 29 February birthday as reached on 1 March in common years', () => {
    expect(ageOn('2012-02-29', new Date(Date.UTC(2025, 1, 28)))).toBe(12);
    expect(ageOn('2012-02-29', new Date(Date.UTC(2025, 2, 1)))).toBe(13);
  });

  it('rejects impossible or malformed dates', () => {
    expect(ageOn('2013-02-30', today)).toBeNull();
    expect(ageOn('2013-13-01', today)).toBeNull();
    expect(ageOn('2013-1-01', today)).toBeNull();
    expect(ageOn('2013-01-01T00:00:00Z', today)).toBeNull();
  });

  it('gives a negative age for a future date', () => {
    expect(ageOn('2027-01-01', today)).toBeLessThan(0);
  });
});

import { describeDevice } from './device-description';

describe('describeDevice', () => {
  it.each([
    [
      'Chrome on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    ],
    [
      'Safari on iOS',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    ],
    ['Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'],
    [
      'Edge on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
    ],
    [
      'Chrome on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    ],
    [
      'Chrome on Android',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    ],
  ])('%s, without versions or models', (expected, userAgent) => {
    expect(describeDevice(userAgent)).toBe(expected);
  });

  it('a client that is no browser (curl) is unrecognised, and so is a missing header', () => {
    expect(describeDevice('curl/8.4.0')).toBe('an unrecognised browser on an unrecognised system');
    expect(describeDevice(null)).toBe('an unrecognised browser on an unrecognised system');
  });

  it('text the caller put in the header never comes out', () => {
    const hostile = 'Mozilla/5.0 (Visit http://evil.example to keep your account)';
    const described = describeDevice(hostile);
    expect(described).toBe('an unrecognised browser on an unrecognised system');
    expect(described).not.toMatch(/evil|visit|http/i);
  });

  it('names the parser copies out of the header are not trusted: only well-known families appear', () => {
    // The parser reports "WebKit" here (a word it took from the header): not a browser family.
    const copied =
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) VisitEvilExampleNow/1.0 Mobile Safari';
    expect(describeDevice(copied)).toBe('an unrecognised browser on Windows');
    // A known family in the header's own spelling reads as the family's name.
    expect(
      describeDevice('Mozilla/5.0 (X11; LINUX x86_64; rv:1.0) Gecko/20100101 FIREFOX/1.0'),
    ).toBe('Firefox on Linux');
  });
});

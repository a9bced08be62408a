import { randomBytes } from 'node:crypto';
import {
  generateOpaqueToken,
  generateRecoveryCode,
  normaliseRecoveryCode,
  randomSecret,
  randomSuffix,
} from './random';

// The CSPRNG stays real unless a test hands it the bytes to draw.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomBytes: jest.fn(actual.randomBytes) };
});

/** The next draws of randomBytes, one Buffer per call. */
function drawing(...batches: number[][]): void {
  for (const batch of batches)
    jest.mocked(randomBytes).mockImplementationOnce(() => Buffer.from(batch));
}

describe('random', () => {
  it('makes opaque tokens of 256 bits, base64url, never the same twice', () => {
    const token = generateOpaqueToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(generateOpaqueToken()).not.toBe(token);
  });

  it('makes secrets of exactly the bytes asked for', () => {
    expect(Buffer.from(randomSecret(48), 'base64url')).toHaveLength(48);
    expect(Buffer.from(randomSecret(16), 'base64url')).toHaveLength(16);
  });

  describe('randomSuffix', () => {
    it('maps each byte to a letter or digit, and stops at the length asked for', () => {
      drawing([1, 2, 36 + 3, 35]);
      expect(randomSuffix(2)).toBe('bc');
      expect(randomSuffix(8)).toMatch(/^[a-z0-9]{8}$/);
    });

    it('rejects bytes 252 to 255, which would make a to d more likely', () => {
      drawing([252, 0, 255, 35, 37, 254]);
      expect(randomSuffix(3)).toBe('a9b');
    });

    it('draws again when too many bytes were rejected', () => {
      drawing([252, 253, 254, 255], [5, 6, 7, 8]);
      expect(randomSuffix(2)).toBe('fg');
    });
  });

  describe('recovery codes', () => {
    it('are 28 characters of Crockford base32 in seven groups of four, every byte used mod 32', () => {
      drawing(Array.from({ length: 28 }, (_, i) => (i < 14 ? i : i + 32)));
      expect(generateRecoveryCode()).toBe('0123-4567-89ab-cdef-ghjk-mnpq-rstv');
    });

    it('use no I, L, O or U, which a reader confuses with 1, 0 and V', () => {
      const codes = Array.from({ length: 20 }, generateRecoveryCode).join('');
      expect(codes).toMatch(/^[0-9a-hjkmnp-tv-z-]+$/);
    });

    it('are compared in lower case, without dashes or whitespace', () => {
      expect(normaliseRecoveryCode(' AB12-cd34\tEF56 - gh78\n')).toBe('ab12cd34ef56gh78');
    });
  });
});

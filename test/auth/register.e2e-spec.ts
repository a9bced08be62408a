import { expectErrorBody } from '../support/error-body';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  ISO_UTC_RE,
  RELAXED_LIMITS,
  UUID_RE,
  newUser,
  register,
  sql,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const tag = (): string => randomBytes(4).toString('hex');
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** The birth date that makes someone exactly `years` old today (UTC); Feb 29 falls back to Feb 28. */
function birthDateForAge(years: number, today = new Date()): Date {
  const d = new Date(
    Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate()),
  );
  if (d.getUTCMonth() !== today.getUTCMonth()) d.setUTCDate(0); // rolled over: last day of the previous month
  return d;
}

/** Full-width (U+FF01..U+FF5E) form of printable ASCII, which NFKC folds back. */
const fullWidth = (s: string): string =>
  s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('POST /api/auth/register', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Context words of the password policy: the service's name (JWT_ISSUER), the labels of this
    // host (orchid-bank; the suffix and "app" are not words) and the operator's own.
    t = await startTestApp({
      ...RELAXED_LIMITS,
      JWT_ISSUER: 'secure-nest-foundation',
      PUBLIC_APP_URL: 'https://app.orchid-bank.test',
      PASSWORD_CONTEXT_WORDS: 'tangerine,blue team',
    });
  });
  afterAll(() => t.close());

  const post = (body: object) => request(t.url).post('/api/auth/register').send(body);

  async function emailStored(email: string): Promise<boolean> {
    const rows = await sql(t, 'SELECT 1 FROM users WHERE email = $1', [email]);
    return rows.length > 0;
  }

  it('201 with exactly the UserResponse shape, and nothing secret', async () => {
    const account = newUser();
    const before = Date.now();
    const res = await post(account).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_RE),
      email: account.email,
      username: account.username,
      role: 'user',
      isActive: true,
      emailVerified: false,
      mfaEnabled: false,
      birthDate: account.birthDate,
      createdAt: expect.stringMatching(ISO_UTC_RE),
      updatedAt: expect.stringMatching(ISO_UTC_RE),
    });
    expect(Math.abs(Date.parse(res.body.createdAt) - before)).toBeLessThan(60_000);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(account.password);
    expect(text).not.toMatch(/hash|token|\$2[aby]\$/i);
  });

  it('stores the email trimmed and lower-cased', async () => {
    const res = await post({
      ...newUser(),
      email: '  Ada@Example.ORG ',
      password: 'Zq!Kp7#Wm2$Rt9',
    }).expect(201);
    expect(res.body.email).toBe('ada@example.org');
    const rows = await sql<{ email: string }>(t, 'SELECT email FROM users WHERE id = $1', [
      res.body.id,
    ]);
    expect(rows).toEqual([{ email: 'ada@example.org' }]);
  });

  it('accepts an age of exactly 13 today (UTC)', async () => {
    const res = await post({ ...newUser(), birthDate: isoDay(birthDateForAge(13)) }).expect(201);
    expect(res.body.birthDate).toBe(isoDay(birthDateForAge(13)));
  });

  // [rule, fields overriding a valid account (a function gets that account), a fragment the messages must contain]
  type Case = [
    string,
    (a: ReturnType<typeof newUser>) => Partial<ReturnType<typeof newUser>>,
    RegExp,
  ];
  const cases: Case[] = [
    [
      'email not an address',
      () => ({ email: `not-an-email-${tag()}` }),
      /email must be a valid email address/,
    ],
    [
      'email with a Cyrillic look-alike local part',
      () => ({ email: `\u0430da.${tag()}@example.org` }),
      /email must be a valid email address/,
    ],
    ['username too short', () => ({ username: 'ab' }), /username must be 3 to 30/],
    ['username too long', () => ({ username: `u${'x'.repeat(30)}` }), /username must be 3 to 30/],
    [
      'username with bad characters',
      () => ({ username: `bad-name.${tag()}` }),
      /username must be 3 to 30/,
    ],
    ['password too short', () => ({ password: 'Zq!k3x9#Wp' }), /at least 12 characters/],
    [
      'password longer than 128',
      () => ({ password: `Zq!k3x9#${'Wp'.repeat(61)}` }),
      /at most 128 characters/,
    ],
    ['password without an uppercase letter', () => ({ password: 'zq!k3x9m#p2w7v' }), /uppercase/],
    ['password without a lowercase letter', () => ({ password: 'ZQ!K3X9M#P2W7V' }), /lowercase/],
    ['password without a digit', () => ({ password: 'Zq!kxmp#wvTrLs' }), /digit/],
    ['password without a special character', () => ({ password: 'Zq4kx9mp2wTrLs' }), /special/],
    ['a common password (Password123!)', () => ({ password: 'Password123!' }), /too common/],
    ['a password from the breached list', () => ({ password: '#Imnotahacker69' }), /too common/],
    [
      'password containing the username',
      (a) => ({ password: `Qz!7${a.username.toUpperCase()}w` }),
      /must not contain your username/,
    ],
    [
      'password containing the email local part',
      (a) => ({ password: `Qz!7${a.email.split('@')[0].replace(/^u/, 'U')}w` }),
      /must not contain your email/,
    ],
    [
      'password containing the service name (JWT_ISSUER), separators changed',
      () => ({ password: 'Qz!7w_Secure.Nest.Foundation' }),
      /^Password must not contain the service's name, its web address or another word of its context\.$/,
    ],
    [
      'password containing a label of the PUBLIC_APP_URL host',
      () => ({ password: 'Qz!7wORCHID-BANK' }),
      /must not contain the service's name, its web address/,
    ],
    [
      'password containing a word of PASSWORD_CONTEXT_WORDS',
      () => ({ password: 'Qz!7wBlueTeam#9' }),
      /another word of its context/,
    ],
    ['birthDate malformed (dd/mm/yyyy)', () => ({ birthDate: '17/05/1990' }), /valid ISO date/],
    ['birthDate malformed (no zero padding)', () => ({ birthDate: '1990-5-17' }), /valid ISO date/],
    ['birthDate impossible (2010-02-30)', () => ({ birthDate: '2010-02-30' }), /valid ISO date/],
    [
      'age 12 years and 364 days',
      () => {
        const d = birthDateForAge(13);
        d.setUTCDate(d.getUTCDate() + 1);
        return { birthDate: isoDay(d) };
      },
      /at least 13/,
    ],
    ['birthDate missing', () => ({ birthDate: undefined }), /birthDate/],
  ];

  it.each(cases)(
    '400 for %s, without echoing submitted values',
    async (_rule, change, expected) => {
      const base = newUser();
      const body = { ...base, ...change(base) };
      const res = await post(body);
      const error = expectErrorBody(res, 400);
      expect(Array.isArray(error.message)).toBe(true);
      expect((error.message as string[]).some((m) => expected.test(m))).toBe(true);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(body.password);
      for (const value of [body.email, body.username, body.birthDate]) {
        if (typeof value === 'string' && value.length >= 6) expect(text).not.toContain(value);
      }
      expect(await emailStored(body.email.trim().normalize('NFKC').toLowerCase())).toBe(false);
    },
  );

  it.each([
    ['role', 'admin'],
    ['isActive', false],
    ['id', '00000000-0000-4000-8000-000000000000'],
    ['passwordHash', 'x'],
  ])('400 for the unknown property %s, and nothing is created', async (property, value) => {
    const account = newUser();
    const res = await post({ ...account, [property]: value });
    const error = expectErrorBody(res, 400);
    expect(error.message).toContain(`property ${property} is not allowed`);
    expect(JSON.stringify(res.body)).not.toContain(account.password);
    expect(await emailStored(account.email)).toBe(false);
  });

  it('400 for a body that is not an object of strings', async () => {
    const res = await post({ email: 42, username: ['a'], password: { x: 1 }, birthDate: true });
    const error = expectErrorBody(res, 400);
    expect(error.message.length).toBeGreaterThanOrEqual(4);
  });

  describe('duplicates', () => {
    let existing: Awaited<ReturnType<typeof register>>;
    beforeAll(async () => {
      existing = await register(t);
    });

    it('409 for the same email', async () => {
      const res = await post({ ...newUser(), email: existing.email });
      expectErrorBody(res, 409);
    });

    it('409 for the email upper-cased and padded', async () => {
      const res = await post({ ...newUser(), email: `  ${existing.email.toUpperCase()} ` });
      expectErrorBody(res, 409);
    });

    it('409 for the email written in full-width letters (NFKC)', async () => {
      const variant = fullWidth(existing.email);
      expect(variant).not.toBe(existing.email);
      expect(variant.normalize('NFKC')).toBe(existing.email);
      const res = await post({ ...newUser(), email: variant });
      expectErrorBody(res, 409);
    });

    it('409 for the same username in another case', async () => {
      const res = await post({ ...newUser(), username: existing.username.toUpperCase() });
      expectErrorBody(res, 409);
    });

    it('leaves exactly one account behind', async () => {
      const rows = await sql<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM users WHERE email = $1 OR lower(username) = lower($2)',
        [existing.email, existing.username],
      );
      expect(rows[0].n).toBe(1);
    });
  });
});

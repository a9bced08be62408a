import { format } from 'winston';
import { isSecretKey, redact, redactFormat, REDACTED } from './redact.format';

const MESSAGE = Symbol.for('message'); // winston's serialised line (triple-beam's MESSAGE)

describe('isSecretKey', () => {
  it.each([
    'password',
    'Password',
    'PASSWORD',
    'newPassword',
    'current_password',
    'password-confirmation',
    'passwordHash',
    'token',
    'accessToken',
    'refresh_token',
    'REFRESH-TOKEN',
    'x-auth-token',
    'refreshTokens',
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'cookie',
    'Set-Cookie',
    'cookies',
    'ssn',
    'SSN',
    'userSsn',
    'ssnLast4',
    'SSNNumber',
    'bankAccount',
    'bank_account',
    'BANK-ACCOUNT',
    'bankAccountNumber',
    'secret',
    'clientSecret',
    'JWT_SECRET',
    'jwt_refresh_secret',
    'secrets',
    'key',
    'apiKey',
    'API_KEY',
    'x-api-key',
    'privateKey',
    'PRIVATE_KEY',
    'ENCRYPTION_KEY',
    'encryptionKeys',
    'APIKey',
    'PASSWORD_PEPPER',
    'credentials',
    'passwd',
    'pwd',
  ])('treats %s as secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'email',
    'username',
    'userId',
    'requestId',
    'keyId',
    'businessName',
    'lessons',
    'status',
    'path',
    'method',
    'hash',
    'prevHash',
    'ip',
    'userAgent',
  ])('keeps %s', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('redact', () => {
  const SECRETS = [
    'hunter2-Password!',
    'tok.en.value',
    '123-45-6789',
    'DE89370400440532013000',
    'k3y-material',
  ];

  it('removes secrets at any depth, in objects and arrays', () => {
    const input = {
      user: { email: 'a@example.com', password: SECRETS[0] },
      list: [{ deeper: { nested: { refresh_token: SECRETS[1] } } }],
      profile: { SSN: SECRETS[2], 'bank-account': SECRETS[3] },
      headers: { Authorization: 'Bearer abc', cookie: 'sid=1' },
      config: { ENCRYPTION_KEY: SECRETS[4] },
    };
    const out = JSON.stringify(redact(input));
    for (const secret of SECRETS) expect(out).not.toContain(secret);
    expect(out).toContain('a@example.com');
    expect(out).toContain(REDACTED);
  });

  it('drops what is nested deeper than it inspects instead of passing it through', () => {
    let deep: Record<string, unknown> = { innocent: 'hunter2' };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    expect(JSON.stringify(redact(deep))).not.toContain('hunter2');
  });

  it('survives cycles and keeps repeated (non-cyclic) references', () => {
    const shared = { ok: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: { ok: 1 }, b: { ok: 1 }, self: '[Truncated]' });
  });

  it('scrubs bearer credentials and JWTs from free text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const out = redact({ message: `header was Bearer ${jwt} and raw ${jwt}` }) as {
      message: string;
    };
    expect(out.message).not.toContain('eyJ');
    expect(out.message).toContain(`Bearer ${REDACTED}`);
  });

  it('scrubs link tokens from URLs in free text and in `token` fields', () => {
    const secret = 'q3Jv0Yb5mC2xWk9d-Ff_TgHh1Ii2Jj3Kk4Ll5Mm6Nn';
    const out = redact({
      url: `/api/x?token=${secret}&page=2`,
      message: `open https://app.example.org/reset-password?token=${secret} now; /a?b=1&refresh_token=${secret}#f`,
      body: { token: secret, newPassword: 'x' },
    }) as { url: string; message: string; body: Record<string, string> };
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(out.url).toBe(`/api/x?token=${REDACTED}&page=2`);
    expect(out.message).toContain(`/reset-password?token=${REDACTED} now`);
    expect(out.message).toContain(`&refresh_token=${REDACTED}#f`);
    expect(out.body).toEqual({ token: REDACTED, newPassword: REDACTED });
    expect(redact('/api/users?page=2&limit=10')).toBe('/api/users?page=2&limit=10');
  });

  it('escapes CR, LF and other control characters in values and keys', () => {
    const out = redact({ 'k\ney': 'a@b.c\r\n{"forged":true}\u0000\u2028' }) as Record<
      string,
      string
    >;
    expect(out).toEqual({ 'k\\u000aey': 'a@b.c\\u000d\\u000a{"forged":true}\\u0000\\u2028' });
  });

  it('keeps a __proto__ key as plain data', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as object;
    const out = redact(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(out))).toEqual({ ['__proto__']: { polluted: true }, x: 1 });
  });

  it('serialises dates, errors and buffers safely', () => {
    const out = redact({
      at: new Date('2024-01-02T03:04:05.000Z'),
      err: new Error('bad\nline'),
      raw: Buffer.from('secret'),
    }) as Record<string, unknown>;
    expect(out.at).toBe('2024-01-02T03:04:05.000Z');
    expect((out.err as { message: string }).message).toBe('bad\\u000aline');
    expect(out.raw).toBe('[Binary]');
  });
});

describe('redactFormat', () => {
  it('redacts top-level fields of a winston entry and yields one JSON line', () => {
    const fmt = format.combine(redactFormat(), format.json());
    const info = fmt.transform({
      level: 'info',
      message: 'login\r\n{"forged":true}',
      password: 'p',
      meta: { token: 't' },
    }) as Record<string | symbol, unknown>;
    const line = info[MESSAGE] as string;
    expect(line).not.toMatch(/[\r\n]/);
    const parsed = JSON.parse(line);
    expect(parsed).toEqual({
      level: 'info',
      message: 'login\\u000d\\u000a{"forged":true}',
      password: REDACTED,
      meta: { token: REDACTED },
    });
  });
});

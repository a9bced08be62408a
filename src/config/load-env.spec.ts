import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCTION_ENV as PRODUCTION } from '../../test/support/production-env';
import { configOf } from './config-of';
import { SECRET_VARIABLES } from './env.schema';
import { EnvError, loadEnv } from './load-env';

const dataDir = (): string => mkdtempSync(join(tmpdir(), 'snf-env-'));

function problems(raw: Record<string, string | undefined>): string[] {
  try {
    loadEnv(raw);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadEnv', () => {
  it('applies the documented defaults outside production', () => {
    const env = loadEnv({ DATA_DIR: dataDir() });
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      JWT_ACCESS_TTL: '15m',
      JWT_REFRESH_TTL: '7d',
      BCRYPT_ROUNDS: 12,
      RATE_LIMIT_WINDOW_MS: 900_000,
      RATE_LIMIT_MAX: 100,
      AUTH_RATE_LIMIT_MAX: 5,
      LOGIN_FAILURE_MAX: 5,
      LOG_LEVEL: 'info',
    });
    expect(env.PUBLIC_APP_URL).toBeUndefined();
    expect(configOf(env).mail.publicAppUrl).toBe('http://localhost:3000'); // follows PORT
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.MAIL_FROM).toBeUndefined();
    expect(configOf(env).http.swaggerEnabled).toBe(true);
    expect(configOf(env).http.corsOrigins).toEqual([]);
  });

  it('generates dev secrets once, mode 0600, and reuses them', () => {
    const dir = dataDir();
    const first = loadEnv({ DATA_DIR: dir });
    const second = loadEnv({ DATA_DIR: dir });
    expect(first.JWT_SECRET).toHaveLength(64);
    expect(first.JWT_SECRET).not.toBe(first.JWT_REFRESH_SECRET);
    expect(first.ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(second.JWT_SECRET).toBe(first.JWT_SECRET);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).PASSWORD_PEPPER).toBe(
      first.PASSWORD_PEPPER,
    );
  });

  it('accepts a complete production configuration', () => {
    expect(problems(PRODUCTION)).toEqual([]);
    expect(configOf(loadEnv(PRODUCTION)).http.swaggerEnabled).toBe(false);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: undefined }],
    ['JWT_SECRET', { JWT_SECRET: 'secret' }],
    ['JWT_SECRET', { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'changeme-changeme-changeme-changeme' }],
    ['JWT_SECRET', { JWT_ALGORITHM: 'HS256', JWT_SECRET: undefined }],
    ['JWT_REFRESH_SECRET', { JWT_ALGORITHM: 'HS256', JWT_REFRESH_SECRET: PRODUCTION.JWT_SECRET }],
    ['PASSWORD_PEPPER', { JWT_REFRESH_SECRET: PRODUCTION.PASSWORD_PEPPER }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'abc123' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }],
    ['PASSWORD_PEPPER', { PASSWORD_PEPPER: 'short' }],
    ['BCRYPT_ROUNDS', { BCRYPT_ROUNDS: '10' }],
    ['JWT_ISSUER', { JWT_ISSUER: undefined }],
    ['JWT_AUDIENCE', { JWT_AUDIENCE: undefined }],
    ['DATABASE_URL', { DATABASE_URL: 'postgresql://a:b@h/db?sslmode=disable' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgresql://a:b@h/db?sslmode=require' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://a:b@h/db' }],
    ['AUDIT_HMAC_KEY', { AUDIT_HMAC_KEY: undefined }],
    ['AUDIT_HMAC_KEY', { AUDIT_HMAC_KEY: PRODUCTION.PASSWORD_PEPPER }],
    ['PUBLIC_APP_URL', { PUBLIC_APP_URL: undefined }],
    ['PUBLIC_APP_URL', { PUBLIC_APP_URL: 'http://app.example.org' }],
    ['PUBLIC_API_URL', { PUBLIC_API_URL: undefined }],
    ['PUBLIC_API_URL', { PUBLIC_API_URL: 'http://api.example.org' }],
    ['OIDC_PROVIDERS', { OIDC_PROVIDERS: '[{"id":"g","issuer":"http://idp.example.org"}]' }],
    ['DATABASE_MIGRATION_URL', { DATABASE_MIGRATION_URL: 'postgresql://o:p@h/db?sslmode=prefer' }],
    // Keys that pass the 64-hex format but no generator would produce.
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: '0'.repeat(64) }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'ab'.repeat(32) }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'deadbeef'.repeat(8) }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: '0123456789abcdef'.repeat(4) }],
    [
      'ENCRYPTION_KEYS',
      { ENCRYPTION_KEYS: `k2:${'0'.repeat(64)},k1:${PRODUCTION.ENCRYPTION_KEY}` },
    ],
    [
      'ENCRYPTION_KEYS',
      { ENCRYPTION_KEYS: `k2:${PRODUCTION.ENCRYPTION_KEY},k1:${'abab'.repeat(16)}` },
    ],
    ['SMTP_URL', { SMTP_URL: undefined }],
    ['SMTP_URL', { SMTP_URL: 'http://smtp.example.org' }],
    ['SMTP_URL', { SMTP_URL: 'smtp://smtp.example.org/?tls.rejectUnauthorized=false' }],
    ['MAIL_FROM', { MAIL_FROM: undefined }],
    ['MAIL_FROM', { MAIL_FROM: 'a@example.org, b@example.org' }],
    ['MAIL_FROM', { MAIL_FROM: 'Name <a@example.org>\r\nBcc: b@example.org' }],
    ['PUBLIC_APP_URL', { PUBLIC_APP_URL: 'https://app.example.org/?next=1' }],
  ])('in production rejects a bad %s with a line naming it', (name, change) => {
    const lines = problems({ ...PRODUCTION, ...change });
    expect(lines.some((line) => line.startsWith(`${name} `))).toBe(true);
  });

  // Each placeholder word inside a value that passes every other rule (long, varied): only the
  // placeholder rule can refuse it.
  it.each(['changeme', 'replace_me', 'placeholder', 'example', 'secret', 'password'])(
    'in production refuses a long, varied secret that contains "%s" as a placeholder',
    (word) => {
      const value = `Kq7vZ2pX9mWc4rT8-${word}-bN3hY6jL1sD5fG0a`;
      for (const name of ['JWT_SECRET', 'PASSWORD_PEPPER', 'AUDIT_HMAC_KEY']) {
        const lines = problems({ ...PRODUCTION, JWT_ALGORITHM: 'HS256', [name]: value });
        expect(lines).toEqual([`${name} looks like a placeholder; generate a random value`]);
      }
    },
  );

  it('needs no JWT_SECRET with an asymmetric JWT_ALGORITHM (the keys live in the database)', () => {
    for (const algorithm of ['EdDSA', 'ES256'])
      expect(problems({ ...PRODUCTION, JWT_ALGORITHM: algorithm, JWT_SECRET: undefined })).toEqual(
        [],
      );
    expect(problems({ ...PRODUCTION, JWT_ALGORITHM: 'RS256' })).toEqual([
      expect.stringMatching(/^JWT_ALGORITHM must be EdDSA, ES256 or HS256/),
    ]);
  });

  it('accepts a keyring of random keys, and names the weak one by id', () => {
    const good = 'c4e19a7f20b3d68e5f71a92c03b4d5e6f7180a9bcd2e3f405162738495a6b7c8';
    expect(
      problems({ ...PRODUCTION, ENCRYPTION_KEYS: `k2:${good},k1:${PRODUCTION.ENCRYPTION_KEY}` }),
    ).toEqual([]);
    const lines = problems({ ...PRODUCTION, ENCRYPTION_KEYS: `new:${'f'.repeat(64)},old:${good}` });
    expect(lines).toEqual([expect.stringMatching(/^ENCRYPTION_KEYS key "new" /)]);
    expect(lines.join('\n')).not.toContain('f'.repeat(64));
  });

  it('never echoes a value in a problem line', () => {
    const pasted = 'not-a-url-but-a-secret-0123456789abcdef';
    const lines = problems({ ...PRODUCTION, DATABASE_URL: pasted, JWT_SECRET: 'tiny-secret' });
    expect(lines.join('\n')).not.toContain(pasted);
    expect(lines.join('\n')).not.toContain('tiny-secret');
  });

  it('rejects malformed values outside production too', () => {
    expect(problems({ DATA_DIR: dataDir(), PORT: 'eighty' })).toEqual([
      expect.stringMatching(/^PORT /),
    ]);
    expect(problems({ DATA_DIR: dataDir(), JWT_ACCESS_TTL: 'soon' })).toEqual([
      expect.stringMatching(/^JWT_ACCESS_TTL /),
    ]);
    expect(problems({ DATA_DIR: dataDir(), SWAGGER_ENABLED: 'yes' })).toEqual([
      expect.stringMatching(/^SWAGGER_ENABLED /),
    ]);
    expect(problems({ DATA_DIR: dataDir(), SMTP_URL: 'smtp:/nohost' })).toEqual([
      expect.stringMatching(/^SMTP_URL /),
    ]);
    expect(problems({ DATA_DIR: dataDir(), PUBLIC_APP_URL: 'ftp://x' })).toEqual([
      expect.stringMatching(/^PUBLIC_APP_URL /),
    ]);
  });

  it('ships the security log to the collector unless LOG_OTLP=false, and refuses LOG_OTLP=true without one', () => {
    const logsUrl = (raw: Record<string, string>): string | undefined =>
      configOf(loadEnv({ DATA_DIR: dataDir(), ...raw })).logging.otlpLogsUrl;
    expect(logsUrl({})).toBeUndefined();
    expect(logsUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })).toBe(
      'http://127.0.0.1:4318/v1/logs',
    );
    expect(
      logsUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', LOG_OTLP: 'false' }),
    ).toBeUndefined();
    expect(problems({ DATA_DIR: dataDir(), LOG_OTLP: 'true' })).toEqual([
      'LOG_OTLP=true needs OTEL_EXPORTER_OTLP_ENDPOINT (the collector to send to)',
    ]);
    expect(problems({ DATA_DIR: dataDir(), LOG_OTLP: 'yes' })).toEqual([
      expect.stringMatching(/^LOG_OTLP /),
    ]);
  });

  it('accepts the documented mail settings forms, outside production too', () => {
    for (const SMTP_URL of [
      'smtp://127.0.0.1:2525',
      'smtps://user%40corp:p%40ss%2Fword@smtp.example.org',
      'smtp://[::1]:25/',
    ]) {
      expect(problems({ DATA_DIR: dataDir(), SMTP_URL })).toEqual([]);
    }
    for (const MAIL_FROM of [
      'no-reply@example.org',
      'Example <a@example.org>',
      '"Ex, Ample" <a@x.io>',
    ]) {
      expect(problems({ DATA_DIR: dataDir(), MAIL_FROM })).toEqual([]);
    }
    expect(problems({ DATA_DIR: dataDir(), PUBLIC_APP_URL: 'http://localhost:8080/app/' })).toEqual(
      [],
    );
  });

  it('account lifecycle: TTLs 30m/24h, REQUIRE_VERIFIED_EMAIL true only in production unless set, NOTIFY_NEW_SIGNIN true', () => {
    const dev = loadEnv({ DATA_DIR: dataDir() });
    expect(dev).toMatchObject({
      PASSWORD_RESET_TTL: '30m',
      EMAIL_VERIFY_TTL: '24h',
      NOTIFY_NEW_SIGNIN: true,
    });
    expect(configOf(dev).accounts.requireVerifiedEmail).toBe(false);
    expect(configOf(loadEnv(PRODUCTION)).accounts.requireVerifiedEmail).toBe(true);
    expect(
      configOf(loadEnv({ ...PRODUCTION, REQUIRE_VERIFIED_EMAIL: 'false' })).accounts
        .requireVerifiedEmail,
    ).toBe(false);
    const opted = loadEnv({
      DATA_DIR: dataDir(),
      REQUIRE_VERIFIED_EMAIL: 'true',
      NOTIFY_NEW_SIGNIN: 'false',
      PASSWORD_RESET_TTL: '15m',
    });
    expect(configOf(opted).accounts.requireVerifiedEmail).toBe(true);
    expect(opted.NOTIFY_NEW_SIGNIN).toBe(false);
    expect(opted.PASSWORD_RESET_TTL).toBe('15m');
    expect(
      problems({ DATA_DIR: dataDir(), PASSWORD_RESET_TTL: 'soon', REQUIRE_VERIFIED_EMAIL: 'yes' }),
    ).toEqual([
      expect.stringMatching(/^PASSWORD_RESET_TTL /),
      expect.stringMatching(/^REQUIRE_VERIFIED_EMAIL /),
    ]);
  });

  describe('multi-factor settings', () => {
    it('defaults: admins need a second factor only in production; the relying party is where the service answers in development', () => {
      const dev = loadEnv({ DATA_DIR: dataDir(), PORT: '4321' });
      expect(configOf(dev).mfa.requiredForAdmins).toBe(false);
      expect(configOf(dev).webAuthn.rpId).toBe('localhost');
      expect(configOf(dev).webAuthn.origins).toEqual(['http://localhost:4321']);
      expect(configOf(dev).mail.publicAppUrl).toBe('http://localhost:4321');
      const behindProxy = loadEnv({ DATA_DIR: dataDir(), PUBLIC_APP_URL: 'http://dev.test:8080' });
      expect(configOf(behindProxy).webAuthn).toMatchObject({
        rpId: 'dev.test',
        origins: ['http://dev.test:8080'],
      });
      expect(configOf(loadEnv(PRODUCTION)).mfa.requiredForAdmins).toBe(true);
    });

    it('requires the relying party in production', () => {
      const {
        WEBAUTHN_RP_ID: _id,
        WEBAUTHN_ORIGINS: _origins,
        ...withoutRelyingParty
      } = PRODUCTION;
      expect(problems(withoutRelyingParty)).toEqual([
        'WEBAUTHN_RP_ID is required in production (e.g. example.org)',
        'WEBAUTHN_ORIGINS is required in production (e.g. https://app.example.org)',
      ]);
    });

    it('takes explicit values, and origins as a comma-separated list', () => {
      const env = loadEnv({
        ...PRODUCTION,
        MFA_REQUIRED_FOR_ADMINS: 'false',
        WEBAUTHN_RP_ID: 'example.org',
        WEBAUTHN_ORIGINS: 'https://app.example.org, https://admin.example.org/',
      });
      expect(configOf(env).mfa.requiredForAdmins).toBe(false);
      expect(configOf(env).webAuthn.rpId).toBe('example.org');
      expect(configOf(env).webAuthn.origins).toEqual([
        'https://app.example.org',
        'https://admin.example.org',
      ]);
    });

    it.each([
      ['MFA_REQUIRED_FOR_ADMINS', 'yes please'],
      ['WEBAUTHN_RP_ID', 'https://example.org'],
      ['WEBAUTHN_RP_ID', 'example.org:443'],
      ['WEBAUTHN_ORIGINS', 'app.internal'],
      ['WEBAUTHN_ORIGINS', 'https://ok.example.org,ftp://files.example.org'],
    ])('rejects %s=%p, naming it', (name, value) => {
      const found = problems({ DATA_DIR: dataDir(), [name]: value });
      expect(found).toEqual([expect.stringContaining(name)]);
      expect(found.join('\n')).not.toContain(value);
    });
  });

  it('reads the password policy variables, and refuses a switch that is not true or false', () => {
    const env = loadEnv({
      DATA_DIR: dataDir(),
      PASSWORD_REQUIRE_CHARACTER_CLASSES: 'false',
      PASSWORD_CONTEXT_WORDS: 'orchid,blue team',
    });
    expect(configOf(env).passwordPolicy.requireCharacterClasses).toBe(false);
    expect(configOf(env).passwordPolicy.contextWords).toEqual(
      expect.arrayContaining(['orchid', 'blue team']),
    );
    expect(configOf(loadEnv({ DATA_DIR: dataDir() })).passwordPolicy.requireCharacterClasses).toBe(
      true,
    );
    expect(problems({ DATA_DIR: dataDir(), PASSWORD_REQUIRE_CHARACTER_CLASSES: 'maybe' })).toEqual([
      'PASSWORD_REQUIRE_CHARACTER_CLASSES must be true or false',
    ]);
  });

  describe('the thresholds of the secret and key rules, in production', () => {
    it('accepts a secret of exactly 32 bytes and refuses one of 31', () => {
      const thirtyTwo = 'Tz8Qm3Vx6Lp1Wr9Kc4Yb7Nd2Hf5Js0Ga';
      expect(problems({ ...PRODUCTION, JWT_SECRET: thirtyTwo })).toEqual([]);
      expect(problems({ ...PRODUCTION, JWT_SECRET: thirtyTwo.slice(1) })).toEqual([
        'JWT_SECRET must be at least 32 bytes',
      ]);
    });

    it('accepts a secret of 10 distinct characters and refuses one of 9', () => {
      expect(problems({ ...PRODUCTION, PASSWORD_PEPPER: '0123456789'.repeat(4) })).toEqual([]);
      expect(problems({ ...PRODUCTION, PASSWORD_PEPPER: '012345678'.repeat(4) })).toEqual([
        'PASSWORD_PEPPER has too little variety to be random',
      ]);
    });

    // Neither key repeats a pattern: only the number of distinct hex digits differs.
    it('accepts a key of 8 distinct hex digits and refuses one of 7', () => {
      const eight = '0220466413315775244260063553711746640220577513316006244271173553';
      expect(problems({ ...PRODUCTION, ENCRYPTION_KEY: eight })).toEqual([]);
      expect(problems({ ...PRODUCTION, ENCRYPTION_KEY: eight.replaceAll('7', '6') })).toEqual([
        'ENCRYPTION_KEY has too little variety to be random',
      ]);
    });

    it('accepts BCRYPT_ROUNDS 12 and refuses 11', () => {
      expect(problems({ ...PRODUCTION, BCRYPT_ROUNDS: '12' })).toEqual([]);
      expect(problems({ ...PRODUCTION, BCRYPT_ROUNDS: '11' })).toEqual([
        'BCRYPT_ROUNDS must be at least 12 in production',
      ]);
    });

    it('names both secrets of a shared value, the later one refused', () => {
      expect(problems({ ...PRODUCTION, AUDIT_HMAC_KEY: PRODUCTION.JWT_REFRESH_SECRET })).toEqual([
        'AUDIT_HMAC_KEY must differ from JWT_REFRESH_SECRET',
      ]);
    });
  });

  describe('the credentials and transport of the other services, in production', () => {
    // Strong enough to pass every secret rule: each case below breaks one thing only.
    const STRONG = 'Tz8Qm3Vx6Lp1Wr9Kc4Yb7Nd2Hf5Js0Ga';
    const db = (user: string, password: string, host = 'db.internal:5432'): string =>
      `postgresql://${user}:${password}@${host}/app?sslmode=verify-full`;

    /** Each change refused alone, in exactly `line`, which never shows the password inside. */
    function refusedAlone(name: string, value: string, line: string): void {
      const found = problems({ ...PRODUCTION, [name]: value });
      expect(found).toEqual([line]);
      const password = new URL(value).password;
      if (password) expect(found.join('\n')).not.toContain(decodeURIComponent(password));
    }

    it('refuses a weak or placeholder password inside DATABASE_URL, DATABASE_MIGRATION_URL, REDIS_URL and SMTP_URL', () => {
      refusedAlone(
        'DATABASE_URL',
        db('app', 'pw'),
        'DATABASE_URL password must be at least 32 bytes',
      );
      refusedAlone(
        'DATABASE_URL',
        db('app', `${STRONG}-changeme`),
        'DATABASE_URL password looks like a placeholder; generate a random value',
      );
      refusedAlone(
        'DATABASE_MIGRATION_URL',
        db('app_owner', 'abcd'.repeat(10)),
        'DATABASE_MIGRATION_URL password has too little variety to be random',
      );
      refusedAlone(
        'REDIS_URL',
        'rediss://:REPLACE_ME@redis.internal:6379',
        'REDIS_URL password must be at least 32 bytes',
      );
      refusedAlone(
        'REDIS_URL',
        `rediss://app:${STRONG}-changeme@redis.internal:6379/0`,
        'REDIS_URL password looks like a placeholder; generate a random value',
      );
      refusedAlone(
        'SMTP_URL',
        `smtps://mailer:${STRONG}-password@smtp.example.org`,
        'SMTP_URL password looks like a placeholder; generate a random value',
      );
    });

    it('refuses DATABASE_URL logging in as the postgres superuser', () => {
      refusedAlone(
        'DATABASE_URL',
        db('postgres', STRONG),
        'DATABASE_URL logs in as the superuser postgres; use a role that owns nothing',
      );
    });

    it('refuses redis:// and an http:// OTLP endpoint to a host that is not loopback', () => {
      refusedAlone(
        'REDIS_URL',
        `redis://:${STRONG}@redis.internal:6379`,
        'REDIS_URL must be rediss:// (TLS) unless its host is loopback',
      );
      refusedAlone(
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'http://collector.internal:4318',
        'OTEL_EXPORTER_OTLP_ENDPOINT must be https:// unless its host is loopback',
      );
    });

    it('reads a percent-encoded password as the server will', () => {
      const encoded = `${STRONG.slice(0, 16)}%2F%40${STRONG.slice(16)}`;
      expect(problems({ ...PRODUCTION, DATABASE_URL: db('app', encoded) })).toEqual([]);
    });

    it.each([
      ['REDIS_URL', 'redis://127.0.0.1:6379'],
      ['REDIS_URL', 'redis://127.10.0.1:6379/0'],
      ['REDIS_URL', `redis://:${STRONG}@[::1]:6379`],
      ['REDIS_URL', 'redis://localhost:6379'],
      ['REDIS_URL', 'redis://LocalHost:6379'],
      ['REDIS_URL', 'redis://[0:0:0:0:0:0:0:1]:6379'],
      ['REDIS_URL', `rediss://:${STRONG}@redis.internal:6380`],
      ['REDIS_URL', `rediss://app:${STRONG}@redis.internal:6380/0`],
      ['REDIS_URL', `redis://app:${STRONG}@127.0.0.1:6379/0`],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:4318'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://[::1]:4318'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'https://collector.example.org'],
    ])('accepts %s=%s (TLS, or a loopback host)', (name, value) => {
      expect(problems({ ...PRODUCTION, [name]: value })).toEqual([]);
    });

    it('asks TLS of a name that only looks like loopback', () => {
      for (const host of ['127.0.0.1.nip.io', '128.0.0.1', 'localhost.example.org', '[::2]'])
        expect(problems({ ...PRODUCTION, REDIS_URL: `redis://${host}:6379` })).toEqual([
          'REDIS_URL must be rediss:// (TLS) unless its host is loopback',
        ]);
    });
  });

  describe('secrets from files (<NAME>_FILE)', () => {
    const secretFile = (content: string): string => {
      const path = join(dataDir(), 'secret');
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };

    it('declares the secrets, and only them, as readable from a file', () => {
      expect([...SECRET_VARIABLES].sort()).toEqual(
        [
          'ADMIN_PASSWORD',
          'AUDIT_HMAC_KEY',
          'AUDIT_HMAC_KEYS_PREVIOUS',
          'DATABASE_MIGRATION_URL',
          'DATABASE_URL',
          'ENCRYPTION_KEY',
          'ENCRYPTION_KEYS',
          'JWT_REFRESH_SECRET',
          'OIDC_PROVIDERS',
          'JWT_SECRET',
          'PASSWORD_PEPPER',
          'PASSWORD_PEPPERS_PREVIOUS',
          'REDIS_URL',
          'SMTP_URL',
        ].sort(),
      );
    });

    it('reads every secret of a production configuration from files, one trailing newline trimmed', () => {
      const raw: Record<string, string | undefined> = { ...PRODUCTION };
      for (const name of SECRET_VARIABLES) {
        const value = raw[name];
        if (value === undefined) continue;
        raw[`${name}_FILE`] = secretFile(`${value}\n`);
        delete raw[name];
      }
      const env = loadEnv(raw);
      expect(env.JWT_SECRET).toBe(PRODUCTION.JWT_SECRET);
      expect(env.ENCRYPTION_KEY).toBe(PRODUCTION.ENCRYPTION_KEY);
      expect(env.DATABASE_URL).toBe(PRODUCTION.DATABASE_URL);
      expect(env.SMTP_URL).toBe(PRODUCTION.SMTP_URL);
      expect(configOf(env).crypto.passwordPepper).toBe(PRODUCTION.PASSWORD_PEPPER);
    });

    it('trims a CRLF too, and keeps a value without a trailing newline whole', () => {
      const crlf = loadEnv({
        ...PRODUCTION,
        JWT_SECRET: undefined,
        JWT_SECRET_FILE: secretFile(`${PRODUCTION.JWT_SECRET}\r\n`),
      });
      expect(crlf.JWT_SECRET).toBe(PRODUCTION.JWT_SECRET);
      const bare = loadEnv({
        ...PRODUCTION,
        JWT_SECRET: undefined,
        JWT_SECRET_FILE: secretFile(PRODUCTION.JWT_SECRET),
      });
      expect(bare.JWT_SECRET).toBe(PRODUCTION.JWT_SECRET);
    });

    it('checks a value read from a file like one given directly', () => {
      const found = problems({
        ...PRODUCTION,
        PASSWORD_PEPPER: undefined,
        PASSWORD_PEPPER_FILE: secretFile('short\n'),
      });
      expect(found).toEqual(['PASSWORD_PEPPER must be at least 32 bytes']);
    });

    it('wins over a generated development secret', () => {
      const value = 'Dv4Kq9Lm2Xp7Wz1Rt6Yb3Nc8Hf5Js0Ga';
      const env = loadEnv({ DATA_DIR: dataDir(), AUDIT_HMAC_KEY_FILE: secretFile(`${value}\n`) });
      expect(env.AUDIT_HMAC_KEY).toBe(value);
    });

    it('refuses both forms at once, naming both and neither value', () => {
      const path = secretFile('Dv4Kq9Lm2Xp7Wz1Rt6Yb3Nc8Hf5Js0Ga\n');
      const found = problems({ ...PRODUCTION, JWT_SECRET_FILE: path });
      expect(found).toEqual(['JWT_SECRET and JWT_SECRET_FILE are both set; set only one']);
      expect(found.join('\n')).not.toContain(PRODUCTION.JWT_SECRET);
    });

    it('refuses an unreadable file, naming the variable and never the content', () => {
      const missing = join(dataDir(), 'absent');
      expect(problems({ ...PRODUCTION, REDIS_URL_FILE: missing })).toEqual([
        'REDIS_URL_FILE cannot be read (ENOENT)',
      ]);
      const directory = dataDir();
      expect(problems({ DATA_DIR: dataDir(), SMTP_URL_FILE: directory })).toEqual([
        'SMTP_URL_FILE cannot be read (EISDIR)',
      ]);
    });

    it('reads no file for a variable that is not a secret', () => {
      const env = loadEnv({ DATA_DIR: dataDir(), PORT_FILE: secretFile('4000\n') });
      expect(env.PORT).toBe(3000);
    });
  });
});

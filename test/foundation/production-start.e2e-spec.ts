import { spawnApp } from '../support/spawn-app';

const STRONG = {
  JWT_SECRET: 'q8Vf2LrX9pZ0mWc4Tn7Yb1Kd6Hs3Ja5Ue8Gi0Ox2Pl',
  JWT_REFRESH_SECRET: 'Zt4Nw8Qe1Ry6Ui3Op9As2Df7Gh5Jk0Lz4Xc8Vb1Nm',
  JWT_ISSUER: 'https://auth.example.org',
  JWT_AUDIENCE: 'api.example.org',
  ENCRYPTION_KEY: 'a3f1c9e27b5d4086f1e2d3c4b5a69788a3f1c9e27b5d4086f1e2d3c4b5a69788',
  PASSWORD_PEPPER: 'Mv7Qx2Lp9Zr4Tw1Ky8Hb3Nd6Fs0Gc5Jt2We9Ua4Io',
  DATABASE_URL: 'postgresql://app:pw@db.internal:5432/app?sslmode=verify-full',
  PUBLIC_APP_URL: 'https://app.example.org',
  SMTP_URL: 'smtp://mailer:pw@smtp.example.org:587',
  MAIL_FROM: 'no-reply@example.org',
};

async function productionStart(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const app = spawnApp({ NODE_ENV: 'production', ...env });
  const code = await app.exited;
  return { code, output: app.output(), ms: Date.now() - started };
}

describe('production start refuses an unsafe configuration', () => {
  it('exits 1 at once naming DATABASE_URL when it is missing', async () => {
    const env: Record<string, string> = { ...STRONG };
    delete env.DATABASE_URL;
    const result = await productionStart(env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^config error: DATABASE_URL is required in production$/m);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('exits 1 naming JWT_SECRET when it is "secret", without printing the value', async () => {
    const result = await productionStart({ ...STRONG, JWT_SECRET: 'secret' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^config error: JWT_SECRET .+$/m);
    expect(result.output).not.toMatch(/JWT_REFRESH_SECRET|PASSWORD_PEPPER|ENCRYPTION_KEY/);
    expect(result.output).not.toContain(STRONG.JWT_REFRESH_SECRET);
  });

  it('prints one line per problem', async () => {
    const result = await productionStart({
      ...STRONG,
      JWT_REFRESH_SECRET: STRONG.JWT_SECRET,
      ENCRYPTION_KEY: 'abcd',
      PASSWORD_PEPPER: 'changeme-changeme-changeme-changeme-1',
      DATABASE_URL: 'postgresql://app:pw@db.internal/app?sslmode=require',
    });
    expect(result.code).toBe(1);
    const lines = result.output
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('config error:'));
    expect(lines.map((l) => l.split(' ')[2])).toEqual(
      expect.arrayContaining([
        'ENCRYPTION_KEY',
        'JWT_REFRESH_SECRET',
        'PASSWORD_PEPPER',
        'DATABASE_URL',
      ]),
    );
  });

  it.each([
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'PASSWORD_PEPPER',
    'ENCRYPTION_KEY',
    'JWT_REFRESH_SECRET',
  ])('exits 1 when %s is missing', async (name) => {
    const env: Record<string, string> = { ...STRONG };
    delete env[name];
    const result = await productionStart(env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(new RegExp(`^config error: ${name} `, 'm'));
  });
});

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../../src/crypto/field-cipher.service';
import { Keyring } from '../../src/crypto/keyring';
import { sensitiveLocation } from '../../src/users/sensitive-fields';
import { TokenKeys } from '../../src/signing-keys/token-keys.service';
import {
  bearer,
  decodeJwt,
  newUser,
  registerAndLogin,
  RELAXED_LIMITS,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('hex');
const K3 = randomBytes(32).toString('hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/cli/main.js …` against the test app's database and secrets, with `input` on stdin. */
/** The environment the CLI runs with: the test app's database, secrets and key. */
function cliEnv(t: TestApp): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    DATA_DIR: t.env.DATA_DIR,
    LOG_DIR: t.env.LOG_DIR,
    LOG_LEVEL: 'error',
    BCRYPT_ROUNDS: '4',
    DATABASE_URL: t.db.url,
    DATABASE_MIGRATION_URL: t.db.migrationUrl ?? '',
    DATABASE_SSL_CA: t.db.caFile ?? '',
    ENCRYPTION_KEYS: `k1:${K1}`,
  };
}

function cli(
  t: TestApp,
  args: string[],
  input = '',
  env: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...cliEnv(t), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('operator commands (npm run cli -- …) on the built CLI', () => {
  let t: TestApp;
  // A fresh database per test: reencrypt counts every row there is, and revoke-sessions --all and
  // the audit trail span every account, so no test may see another's accounts or keys.
  beforeEach(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k1:${K1}` });
  });
  afterEach(() => t.close());

  it('generate-key prints a key id and a 32-byte hex key without touching the database', async () => {
    const run = await cli(t, ['generate-key'], '', {
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key id: k\d{8}-[0-9a-f]+$/m);
    expect(run.stdout).toMatch(/^key: +[0-9a-f]{64}$/m);
  });

  it('create-admin reads the password from stdin; the admin (address verified) can log in and use admin routes', async () => {
    const account = newUser();
    const run = await cli(t, ['create-admin', '--email', account.email], `${account.password}\n`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^admin created: [0-9a-f-]{36}$/m);
    expect(run.stdout + run.stderr).not.toContain(account.password);
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    await request(t.url)
      .get('/api/users')
      .set(...bearer(login.body.accessToken))
      .expect(200);
    const me = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(login.body.accessToken))
      .expect(200);
    expect(me.body.emailVerified).toBe(true);

    const again = await cli(t, ['create-admin', '--email', account.email], `${account.password}\n`);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('create-admin on a terminal does not echo the password', async () => {
    const account = newUser();
    // util-linux `script` runs the CLI on a real pseudo-terminal and forwards our stdin to it.
    const command = [process.execPath, CLI, 'create-admin', '--email', account.email].join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...cliEnv(t), TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (
      let waited = 0;
      !screen.includes('Password for the new admin') && waited < 15_000;
      waited += 50
    )
      await new Promise((r) => setTimeout(r, 50));
    child.stdin.write(`${account.password}\r`);
    expect(await exited).toBe(0);
    expect(screen).toMatch(/admin created: [0-9a-f-]{36}/);
    expect(screen).not.toContain(account.password);
    expect(screen).not.toContain(account.password.slice(0, 6));
  });

  it('create-admin refuses a password that breaks the policy, and a missing one', async () => {
    const weak = await cli(t, ['create-admin', '--email', newUser().email], 'Password123!\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password policy/i);
    expect(weak.stderr).not.toContain('Password123!');
    const empty = await cli(t, ['create-admin', '--email', newUser().email], '');
    expect(empty.code).toBe(1);
  });

  it('reencrypt reports progress and counts, moves every value to the new key, and is idempotent', async () => {
    const users = await Promise.all([registerAndLogin(t), registerAndLogin(t)]);
    for (const u of users) {
      await request(t.url)
        .put('/api/users/me/sensitive')
        .set(...bearer(u.accessToken))
        .send({ ssn: '123-45-6789', bankAccount: 'ACCT12345678' })
        .expect(204);
    }
    const rotated = { ENCRYPTION_KEYS: `k2:${K2},k1:${K1}` };
    const run = await cli(t, ['reencrypt'], '', rotated);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Two accounts with two fields each, and the token signing key's private key.
    expect(run.stdout).toMatch(/^reencrypt: 3\/3 rows, 5 values rewritten$/m);
    expect(run.stdout).toMatch(/^done: 3 rows checked, 5 values rewritten under the active key$/m);
    const tokens = await t.app
      .get(DataSource)
      .query<Array<{ ssn_encrypted: string }>>(
        'SELECT ssn_encrypted FROM users WHERE ssn_encrypted IS NOT NULL',
      );
    expect(tokens.map((row) => row.ssn_encrypted.split('.')[1])).toEqual(['k2', 'k2']);
    const signingKeys = await t.app
      .get(DataSource)
      .query<Array<{ private_key: string }>>('SELECT private_key FROM signing_keys');
    expect(signingKeys.map((row) => row.private_key.split('.')[1])).toEqual(['k2']);
    const second = await cli(t, ['reencrypt'], '', rotated);
    expect(second.stdout).toMatch(/^done: 0 rows checked, 0 values rewritten/m);
  });

  it('reencrypt stops after the batch in progress on Ctrl-C, says how far it got, and finishes on the next run', async () => {
    // 3000 accounts with both fields under k1, written straight to the table.
    const cipher = new FieldCipher(new Keyring([{ id: 'k1', key: Buffer.from(K1, 'hex') }]));
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const id = randomUUID();
      return [
        id,
        `bulk.${i}.${randomBytes(3).toString('hex')}@example.org`,
        `bulk_${i}_${randomBytes(3).toString('hex')}`,
        cipher.encrypt('123-45-6789', sensitiveLocation(id, 'ssn')),
        cipher.encrypt('ACCT12345678', sensitiveLocation(id, 'bankAccount')),
      ];
    });
    const dataSource = t.app.get(DataSource);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk
        .map(
          (_, j) =>
            `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, 'x', $${j * 5 + 4}, $${j * 5 + 5})`,
        )
        .join(', ');
      await dataSource.query(
        `INSERT INTO users (id, email, username, password_hash, ssn_encrypted, bank_account_encrypted) VALUES ${values}`,
        chunk.flat(),
      );
    }
    const rotated = { ENCRYPTION_KEYS: `k3:${K3},k2:${K2},k1:${K1}` };
    const child = spawn(process.execPath, [CLI, 'reencrypt'], {
      env: { ...cliEnv(t), ...rotated },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let waited = 0; !stdout.includes('reencrypt: ') && waited < 20_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const stopped =
      /^interrupted: (\d+)\/(\d+) rows checked, (\d+) values rewritten; run reencrypt again to finish$/m.exec(
        stdout,
      );
    expect(stopped).not.toBeNull();
    const [done, total] = [Number(stopped?.[1]), Number(stopped?.[2])];
    expect(done).toBeLessThan(total);
    expect(done % 200).toBe(0); // whole batches only

    const rest = await cli(t, ['reencrypt'], '', rotated);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain(`done: ${total - done} rows checked`);
    const [{ left }] = await dataSource.query<Array<{ left: number }>>(
      "SELECT count(*)::int AS left FROM users WHERE ssn_encrypted NOT LIKE 'v1.k3.%' OR bank_account_encrypted NOT LIKE 'v1.k3.%'",
    );
    expect(left).toBe(0);
  }, 120_000);

  it('revoke-sessions --user ends every session of one account, --all of every account; both audited', async () => {
    const user = await registerAndLogin(t);
    const other = await registerAndLogin(t);
    const alive = (token: string) =>
      request(t.url)
        .get('/api/users/me')
        .set(...bearer(token));
    const one = await cli(t, ['revoke-sessions', '--user', user.email.toUpperCase()]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^sessions revoked: 1$/m);
    await alive(user.accessToken).expect(401);
    await alive(other.accessToken).expect(200);
    const all = await cli(t, ['revoke-sessions', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^sessions revoked: [1-9]\d*$/m);
    await alive(other.accessToken).expect(401);
    const events = await t.app
      .get(DataSource)
      .query<Array<{ metadata: Record<string, unknown> }>>(
        `SELECT metadata FROM audit_events WHERE type = 'admin.user.sessions_revoked' ORDER BY seq`,
      );
    expect(events.map((event) => event.metadata)).toEqual([
      { via: 'cli', targetUserId: user.id, sessionsRevoked: 1 },
      { via: 'cli', allUsers: true, sessionsRevoked: expect.any(Number) },
    ]);
    const unknown = await cli(t, ['revoke-sessions', '--user', 'nobody@example.org']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^no account has this email$/m);
    const usage = await cli(t, ['revoke-sessions', '--user', user.email, '--all']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/usage: .*revoke-sessions/);
  }, 90_000); // four CLI starts

  it('rotate-signing-key publishes the next key once; --compromised revokes the signing key and ends the sessions it served', async () => {
    const keys = t.app.get(TokenKeys);
    const jwksKids = async (): Promise<string[]> => {
      await keys.refresh(); // the app re-reads the table every 10 s; no need to wait for it here
      const res = await request(t.url).get('/.well-known/jwks.json').expect(200);
      return (res.body as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
    };
    const before = keys.signingKey().kid;
    const user = await registerAndLogin(t);
    expect(decodeJwt(user.accessToken).header.kid).toBe(before);

    const rotated = await cli(t, ['rotate-signing-key']);
    expect(rotated.code).toBe(0);
    const [, next] = /^new key (\S+) published; it signs from \S+$/m.exec(rotated.stdout) ?? [];
    expect(next).toBeDefined();
    expect(await jwksKids()).toEqual([before, next]);
    const again = await cli(t, ['rotate-signing-key']);
    expect(again.stdout).toContain(`key ${next} is already waiting`);

    const compromised = await cli(t, ['rotate-signing-key', '--compromised']);
    expect(compromised.code).toBe(0);
    const [, revoked, fresh, ended] =
      /^revoked key (\S+); key (\S+) signs now; sessions ended: (\d+)$/m.exec(compromised.stdout) ??
      [];
    expect(revoked).toBe(before);
    expect(Number(ended)).toBeGreaterThanOrEqual(1);
    expect(await jwksKids()).not.toContain(before);
    await request(t.url)
      .get('/api/users/me')
      .set(...bearer(user.accessToken))
      .expect(401);
    const again2 = await registerAndLogin(t);
    expect(decodeJwt(again2.accessToken).header.kid).toBe(fresh);

    const events = await t.app
      .get(DataSource)
      .query<Array<{ metadata: Record<string, unknown> }>>(
        `SELECT metadata FROM audit_events WHERE type = 'security.signing_key.rotated' ORDER BY seq`,
      );
    expect(events.map((event) => event.metadata.reason)).toEqual([
      'algorithm',
      'operator',
      'compromised',
    ]);
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY|"d":/);
    const usage = await cli(t, ['rotate-signing-key', '--now']);
    expect(usage.code).toBe(1);
    const hs256 = await cli(t, ['rotate-signing-key'], '', { JWT_ALGORITHM: 'HS256' });
    expect(hs256.code).toBe(1);
    expect(hs256.stderr).toMatch(/HS256 signs with JWT_SECRET/);
  }, 90_000); // five CLI starts

  it('audit:verify exits 0 on an intact chain; an unknown command exits 1 with usage', async () => {
    const verify = await cli(t, ['audit:verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^audit chain valid: \d+ events verified$/m);
    const unknown = await cli(t, ['drop-everything']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command: drop-everything/);
  });
});

describe('admin bootstrap from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  it('creates the admin at start when no account has that email, verified: it signs in under REQUIRE_VERIFIED_EMAIL', async () => {
    const account = newUser();
    const t = await startTestApp({
      ADMIN_EMAIL: account.email.toUpperCase(),
      ADMIN_PASSWORD: account.password,
      REQUIRE_VERIFIED_EMAIL: 'true',
    });
    try {
      const login = await request(t.url)
        .post('/api/auth/login')
        .send({ email: account.email, password: account.password })
        .expect(200);
      const me = await request(t.url)
        .get('/api/users/me')
        .set(...bearer(login.body.accessToken))
        .expect(200);
      expect(me.body).toMatchObject({ email: account.email, role: 'admin', emailVerified: true });
    } finally {
      await t.close();
    }
  });
});

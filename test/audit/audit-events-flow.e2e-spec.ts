import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  decodeJwt,
  ISO_UTC_RE,
  loginAdmin,
  newUser,
  RELAXED_LIMITS,
  UUID_RE,
  type LoggedIn,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

// The core event types of the trail (registration, sign-in, refresh, sessions, password,
// sensitive data, admin changes, rate limiting), each caused over the real HTTP API and then read
// back through GET /api/audit/events?type=… as an admin: who (userId), from where (ip,
// user agent), which request (the X-Request-Id we sent), when (createdAt), and never a secret in it.

const AGENT = 'audit-flow-e2e/1.0';

interface AuditEvent {
  id: string;
  type: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  hash: string;
  prevHash: string;
}

/** A request id of our own for one action (1–64 of [A-Za-z0-9._-], so the app echoes it). */
const rid = (label: string): string => `flow.${label}.${randomBytes(4).toString('hex')}`;

/** Everything secret the flow handles: none of it may appear in any audit event. */
const secrets = new Set<string>();
function remember(...values: Array<string | undefined>): void {
  for (const value of values) if (value) secrets.add(value);
}

function api(t: TestApp, requestId: string) {
  const withHeaders = (req: request.Test) =>
    req.set('X-Request-Id', requestId).set('User-Agent', AGENT);
  return {
    get: (path: string) => withHeaders(request(t.url).get(path)),
    post: (path: string) => withHeaders(request(t.url).post(path)),
    put: (path: string) => withHeaders(request(t.url).put(path)),
    patch: (path: string) => withHeaders(request(t.url).patch(path)),
    delete: (path: string) => withHeaders(request(t.url).delete(path)),
  };
}

async function eventsOfType(t: TestApp, admin: LoggedIn, type: string): Promise<AuditEvent[]> {
  const items: AuditEvent[] = [];
  for (let page = 1; ; page++) {
    const res = await request(t.url)
      .get('/api/audit/events')
      .query({ type, page, limit: 100 })
      .set(...bearer(admin.accessToken))
      .expect(200);
    items.push(...(res.body.items as AuditEvent[]));
    if (items.length >= (res.body.total as number) || res.body.items.length === 0) return items;
  }
}

/**
 * Asserts that exactly one `type` event carries `requestId`, with the caller's address, user agent,
 * a createdAt inside [before, after] (1 s slack for clocks), the expected userId and no secret.
 */
async function expectEvent(
  t: TestApp,
  admin: LoggedIn,
  type: string,
  requestId: string,
  window: { before: number; after: number },
  userId: string | null,
): Promise<AuditEvent> {
  const items = await eventsOfType(t, admin, type);
  expect(items.every((e) => e.type === type)).toBe(true);
  const matching = items.filter((e) => e.requestId === requestId);
  expect(matching).toHaveLength(1);
  const [event] = matching;
  expect(event).toMatchObject({ type, ip: '127.0.0.1', userAgent: AGENT, requestId, userId });
  expect(event.id).toMatch(UUID_RE);
  expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(event.prevHash).toMatch(/^[0-9a-f]{64}$/);
  expect(event.createdAt).toMatch(ISO_UTC_RE);
  const at = Date.parse(event.createdAt);
  expect(at).toBeGreaterThanOrEqual(window.before - 1_000);
  expect(at).toBeLessThanOrEqual(window.after + 1_000);
  expect(typeof event.metadata).toBe('object');
  expectNoSecret(event);
  return event;
}

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  const found = [...secrets].filter((s) => text.includes(s));
  expect(found).toEqual([]);
}

/** Runs `action` and returns the time window it ran in. */
async function timed(action: () => Promise<unknown>): Promise<{ before: number; after: number }> {
  const before = Date.now();
  await action();
  return { before, after: Date.now() };
}

async function allEvents(t: TestApp, admin: LoggedIn): Promise<AuditEvent[]> {
  const items: AuditEvent[] = [];
  for (let page = 1; ; page++) {
    const res = await request(t.url)
      .get('/api/audit/events')
      .query({ page, limit: 100 })
      .set(...bearer(admin.accessToken))
      .expect(200);
    items.push(...(res.body.items as AuditEvent[]));
    if (items.length >= (res.body.total as number) || res.body.items.length === 0) return items;
  }
}

describe('audit events over the HTTP API', () => {
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    // LOGIN_FAILURE_MAX 3: the per-account throttle gets its own security.rate_limited below.
    t = await startTestApp({ ...RELAXED_LIMITS, LOGIN_FAILURE_MAX: '3' });
    admin = await loginAdmin(t);
    remember(admin.password, admin.accessToken, admin.refreshToken);
  });
  afterAll(() => t.close());

  interface Account {
    id: string;
    email: string;
    password: string;
  }
  interface Session {
    accessToken: string;
    refreshToken: string;
  }

  /** A fresh account of the test's own: no test inherits another's ids, tokens or password. */
  async function registered(): Promise<Account> {
    const account = newUser();
    remember(account.password);
    const res = await api(t, rid('setup-register'))
      .post('/api/auth/register')
      .send(account)
      .expect(201);
    return { id: res.body.id as string, email: account.email, password: account.password };
  }

  async function signIn(account: Account, requestId = rid('setup-login')): Promise<Session> {
    const res = await api(t, requestId)
      .post('/api/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    remember(res.body.accessToken as string, res.body.refreshToken as string);
    return {
      accessToken: res.body.accessToken as string,
      refreshToken: res.body.refreshToken as string,
    };
  }

  // Each cause with its checks: one test each below, and all of them again before the whole trail
  // is read, so that test finds every type whatever ran before it.
  const causes: Record<string, () => Promise<void>> = {
    'auth.register: the new user, no password': async () => {
      const account = newUser();
      remember(account.password);
      const id = rid('register');
      let res!: request.Response;
      const window = await timed(async () => {
        res = await api(t, id).post('/api/auth/register').send(account).expect(201);
      });
      const event = await expectEvent(t, admin, 'auth.register', id, window, res.body.id as string);
      expect(JSON.stringify(event.metadata)).not.toContain(account.password);
    },

    'auth.login.failure: a wrong password (the account) and an unknown email (no user)':
      async () => {
        const account = await registered();
        const wrong = `Wrong-${randomBytes(6).toString('hex')}-9!`;
        remember(wrong);
        const id = rid('login-fail');
        const window = await timed(() =>
          api(t, id)
            .post('/api/auth/login')
            .send({ email: account.email, password: wrong })
            .expect(401),
        );
        const event = await expectEvent(t, admin, 'auth.login.failure', id, window, account.id);
        expect(event.metadata).toMatchObject({ reason: 'wrong_password' });

        const ghost = rid('login-ghost');
        const ghostWindow = await timed(() =>
          api(t, ghost)
            .post('/api/auth/login')
            .send({ email: `ghost.${randomBytes(4).toString('hex')}@example.org`, password: wrong })
            .expect(401),
        );
        const ghostEvent = await expectEvent(
          t,
          admin,
          'auth.login.failure',
          ghost,
          ghostWindow,
          null,
        );
        expect(ghostEvent.metadata).toMatchObject({ reason: 'unknown_email' });
      },

    'auth.login.success: the user and the session, no token': async () => {
      const account = await registered();
      const id = rid('login');
      let session!: Session;
      const window = await timed(async () => {
        session = await signIn(account, id);
      });
      const event = await expectEvent(t, admin, 'auth.login.success', id, window, account.id);
      expect(event.metadata).toMatchObject({
        sessionId: decodeJwt(session.accessToken).payload.sid,
      });
    },

    'auth.refresh and auth.refresh.reuse_detected': async () => {
      const account = await registered();
      const { accessToken, refreshToken: spent } = await signIn(account);
      const id = rid('refresh');
      let res!: request.Response;
      const window = await timed(async () => {
        res = await api(t, id).post('/api/auth/refresh').send({ refreshToken: spent }).expect(200);
      });
      remember(res.body.accessToken as string, res.body.refreshToken as string);
      const refreshed = await expectEvent(t, admin, 'auth.refresh', id, window, account.id);
      expect(refreshed.metadata).toMatchObject({ sessionId: decodeJwt(accessToken).payload.sid });

      // The spent token again: reuse, and the whole session dies.
      const reuse = rid('reuse');
      const reuseWindow = await timed(() =>
        api(t, reuse).post('/api/auth/refresh').send({ refreshToken: spent }).expect(401),
      );
      const event = await expectEvent(
        t,
        admin,
        'auth.refresh.reuse_detected',
        reuse,
        reuseWindow,
        account.id,
      );
      expect(event.metadata).toMatchObject({ sessionId: decodeJwt(accessToken).payload.sid });
      await request(t.url)
        .get('/api/users/me')
        .set(...bearer(res.body.accessToken as string))
        .expect(401);
    },

    'auth.session.revoked: one of the caller’s other sessions': async () => {
      const account = await registered();
      const first = await signIn(account, rid('s1'));
      const second = await signIn(account, rid('s2'));
      const sid = decodeJwt(second.accessToken).payload.sid as string;
      const id = rid('revoke');
      const window = await timed(() =>
        api(t, id)
          .delete(`/api/auth/sessions/${sid}`)
          .set(...bearer(first.accessToken))
          .expect(204),
      );
      const event = await expectEvent(t, admin, 'auth.session.revoked', id, window, account.id);
      expect(event.metadata).toMatchObject({ sessionId: sid });
    },

    'user.sensitive.updated and user.sensitive.revealed: field names only, never the values':
      async () => {
        const account = await registered();
        const { accessToken } = await signIn(account);
        const ssn = `${200 + Math.floor(Math.random() * 400)}-${10 + Math.floor(Math.random() * 89)}-${1000 + Math.floor(Math.random() * 8999)}`;
        const bankAccount = `DE${randomBytes(8).toString('hex').replace(/[a-f]/g, '7').slice(0, 18)}`;
        remember(ssn, ssn.replace(/-/g, ''), bankAccount);
        const id = rid('sensitive');
        const window = await timed(() =>
          api(t, id)
            .put('/api/users/me/sensitive')
            .set(...bearer(accessToken))
            .send({ ssn, bankAccount })
            .expect(204),
        );
        const updated = await expectEvent(
          t,
          admin,
          'user.sensitive.updated',
          id,
          window,
          account.id,
        );
        expect(updated.metadata.fields).toEqual(expect.arrayContaining(['ssn', 'bankAccount']));

        const reveal = rid('reveal');
        const revealWindow = await timed(async () => {
          const res = await api(t, reveal)
            .post('/api/users/me/sensitive/reveal')
            .set(...bearer(accessToken))
            .send({ password: account.password })
            .expect(200);
          expect(res.body).toEqual({ ssn, bankAccount });
        });
        await expectEvent(t, admin, 'user.sensitive.revealed', reveal, revealWindow, account.id);
      },

    'user.password.changed: neither password': async () => {
      const account = await registered();
      const { accessToken } = await signIn(account);
      const next = `Nw!${randomBytes(9).toString('base64url')}7q`;
      remember(next);
      const id = rid('password');
      const window = await timed(() =>
        api(t, id)
          .post('/api/users/me/password')
          .set(...bearer(accessToken))
          .send({ currentPassword: account.password, newPassword: next })
          .expect(204),
      );
      await expectEvent(t, admin, 'user.password.changed', id, window, account.id);
    },

    'admin.user.updated: the acting admin, the target and the change': async () => {
      const account = await registered();
      const id = rid('admin');
      const window = await timed(() =>
        api(t, id)
          .patch(`/api/users/${account.id}`)
          .set(...bearer(admin.accessToken))
          .send({ isActive: false })
          .expect(200),
      );
      const event = await expectEvent(t, admin, 'admin.user.updated', id, window, admin.id);
      expect(event.metadata).toMatchObject({
        targetUserId: account.id,
        after: { isActive: false },
      });
    },

    'auth.logout and auth.logout_all': async () => {
      const account = await registered();
      const login = async () => (await signIn(account, rid('relogin'))).accessToken;
      const token = await login();
      const id = rid('logout');
      const window = await timed(() =>
        api(t, id)
          .post('/api/auth/logout')
          .set(...bearer(token))
          .expect(204),
      );
      const event = await expectEvent(t, admin, 'auth.logout', id, window, account.id);
      expect(event.metadata).toMatchObject({ sessionId: decodeJwt(token).payload.sid });

      const other = await login();
      await login();
      const all = rid('logout-all');
      const allWindow = await timed(() =>
        api(t, all)
          .post('/api/auth/logout-all')
          .set(...bearer(other))
          .expect(204),
      );
      const allEvent = await expectEvent(t, admin, 'auth.logout_all', all, allWindow, account.id);
      expect(allEvent.metadata.sessionsRevoked).toBeGreaterThanOrEqual(2);
    },

    'security.rate_limited: the per-account login-failure throttle': async () => {
      const victim = `victim.${randomBytes(4).toString('hex')}@example.org`;
      for (let i = 0; i < 3; i++) {
        await api(t, rid('fail'))
          .post('/api/auth/login')
          .send({ email: victim, password: 'Wrong-Password-1!' })
          .expect(401);
      }
      const id = rid('limited');
      const window = await timed(() =>
        api(t, id)
          .post('/api/auth/login')
          .send({ email: victim, password: 'Wrong-Password-1!' })
          .expect(429),
      );
      const event = await expectEvent(t, admin, 'security.rate_limited', id, window, null);
      expect(event.metadata).toMatchObject({
        throttler: 'login_failures',
        route: 'POST /api/auth/login',
      });
      expect(JSON.stringify(event)).not.toContain(victim);
    },
  };

  for (const [rule, cause] of Object.entries(causes)) it(rule, cause);

  it('no event of any type holds a secret, and the chain verifies', async () => {
    for (const cause of Object.values(causes)) await cause();
    const events = await allEvents(t, admin);
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'auth.register',
      'auth.login.success',
      'auth.login.failure',
      'auth.refresh',
      'auth.refresh.reuse_detected',
      'auth.logout',
      'auth.logout_all',
      'auth.session.revoked',
      'user.password.changed',
      'user.sensitive.updated',
      'user.sensitive.revealed',
      'admin.user.updated',
      'security.rate_limited',
    ]) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    expect(secrets.size).toBeGreaterThan(10);
    expectNoSecret(events);
    const verify = await request(t.url)
      .get('/api/audit/verify')
      .set(...bearer(admin.accessToken))
      .expect(200);
    expect(verify.body).toEqual({ valid: true, count: events.length, firstInvalidId: null });
    expect(verify.body.count).toBeGreaterThan(0);
  });
});

describe('audit events: the per-IP auth throttler', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    // AUTH_RATE_LIMIT_MAX 2 per route: the admin's login uses one of /login's, /register gets its own 2.
    t = await startTestApp({
      AUTH_RATE_LIMIT_MAX: '2',
      RATE_LIMIT_MAX: '1000',
      LOGIN_FAILURE_MAX: '1000',
    });
    admin = await loginAdmin(t);
    remember(admin.password, admin.accessToken, admin.refreshToken);
  });
  afterAll(() => t.close());

  it('security.rate_limited: the third registration from one address, once per block', async () => {
    for (let i = 0; i < 2; i++) {
      const account = newUser();
      remember(account.password);
      await api(t, rid('reg')).post('/api/auth/register').send(account).expect(201);
    }
    const blockedAccount = newUser();
    remember(blockedAccount.password);
    const id = rid('reg-limited');
    const window = await timed(() =>
      api(t, id).post('/api/auth/register').send(blockedAccount).expect(429),
    );
    await api(t, rid('reg-limited-again'))
      .post('/api/auth/register')
      .send(blockedAccount)
      .expect(429);
    const event = await expectEvent(t, admin, 'security.rate_limited', id, window, null);
    expect(event.metadata).toEqual({
      throttler: 'auth',
      limit: 2,
      route: 'POST /api/auth/register',
    });
    // One event per block, not one per rejected request.
    expect(await eventsOfType(t, admin, 'security.rate_limited')).toHaveLength(1);

    const verify = await request(t.url)
      .get('/api/audit/verify')
      .set(...bearer(admin.accessToken))
      .expect(200);
    expect(verify.body).toMatchObject({ valid: true, firstInvalidId: null });
    expect(verify.body.count).toBeGreaterThan(0);
  });
});

import { errorBodyProblems } from '../support/error-body';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  login,
  loginAdmin,
  newUser,
  register,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { startSecurityApp } from './security-helpers';

/**
 * Injection and type confusion (issue "Proof", adversarial suite 2). SQL metacharacters and
 * pg_sleep payloads in every string field of every operation, wrong JSON types, oversized strings
 * and look-alike emails: never a 5xx, every answer in < 2 s, errors in the uniform body, and no
 * side effect beyond what a legitimate request of that shape may do.
 */

const SLOW_MS = 2000;

const SQL_PAYLOADS = [
  "' OR 1=1--",
  "' OR '1'='1",
  '" OR ""="',
  "admin'--",
  "'; SELECT pg_sleep(5)--",
  '1) OR pg_sleep(5)--',
  "'||(SELECT pg_sleep(5))||'",
  "1' AND (SELECT 1 FROM pg_sleep(5))='1",
  '1; SELECT pg_sleep(5)',
  '$$; SELECT pg_sleep(5); $$',
  "\\'; SELECT pg_sleep(5)--",
  '1; DROP TABLE users;--',
  "'); DELETE FROM users; --",
  "' UNION SELECT id, email, password_hash FROM users--",
  "%' OR '1'='1",
  '$1',
  "E'\\x27' OR 1=1",
  "x' OR 'x'='x'::text--",
  "'; UPDATE users SET role='admin'--",
  "'; COPY users TO '/tmp/x'--",
  'null',
  '\\',
  "'",
  '"',
  '`',
  ';',
  '--',
  '/*',
  "x\u0000' OR 1=1--", // a NUL byte: PostgreSQL text cannot hold it
  '\u0000',
  '\ud800', // a lone surrogate
  "😀' OR 1=1--",
  '${7*7}{{7*7}}<%= 7*7 %>',
];

/** A payload made to pass shape checks where a field has them (emails, policy-compliant passwords). */
const asEmail = (p: string): string[] => [
  `${p}@example.org`,
  `victim@example.org${p}`,
  `"${p.replace(/["\\]/g, '')}"@example.org`,
];
const asStrongPassword = (p: string): string => `${p}Zq9#Xw`.padEnd(12, 'k');

type Send = () => request.Test;

interface Tracker {
  problems: string[];
  statuses: Map<number, number>;
}

/** Sends, times and checks one request: never a 5xx, < 2 s, uniform errors, status in `allowed`. */
async function probe(
  tracker: Tracker,
  label: string,
  send: Send,
  allowed: number[],
): Promise<request.Response> {
  const started = performance.now();
  const res = await send();
  const ms = performance.now() - started;
  tracker.statuses.set(res.status, (tracker.statuses.get(res.status) ?? 0) + 1);
  const tag = `${label} -> ${res.status}`;
  if (res.status >= 500) tracker.problems.push(`${tag}: 5xx ${res.text.slice(0, 160)}`);
  else if (!allowed.includes(res.status))
    tracker.problems.push(`${tag}: expected one of ${allowed.join('/')} ${res.text.slice(0, 160)}`);
  if (ms > SLOW_MS) tracker.problems.push(`${tag}: took ${Math.round(ms)} ms`);
  if (res.status >= 400) {
    const problems = errorBodyProblems(res);
    if (problems.length > 0) tracker.problems.push(`${tag}: ${problems.join('; ')}`);
  }
  return res;
}

const newTracker = (): Tracker => ({ problems: [], statuses: new Map() });
const show = (value: unknown): string => JSON.stringify(value)?.slice(0, 60) ?? String(value);

describe('injection and type confusion', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let victim: LoggedIn;
  let actor: LoggedIn;
  let actorPassword: string;
  /** Signs in more often than MAX_SESSIONS_PER_USER allows: on the actor, that would evict its session. */
  let visitor: TestUser;
  let usersBefore: number;
  let registered = 0;
  let victimRowBefore: Record<string, unknown>;
  let adminRowBefore: Record<string, unknown>;
  const unique = (): string => randomBytes(5).toString('hex');

  const userRow = async (id: string): Promise<Record<string, unknown>> =>
    (
      await sql(
        t,
        `SELECT email, username, role, is_active, password_hash, ssn_encrypted, bank_account_encrypted, birth_date
           FROM users WHERE id = $1`,
        [id],
      )
    )[0];
  const userCount = async (): Promise<number> =>
    Number((await sql<{ n: string }>(t, 'SELECT count(*) AS n FROM users'))[0].n);

  beforeAll(async () => {
    t = await startSecurityApp();
    admin = await loginAdmin(t);
    victim = await login(t, await register(t));
    const actorAccount = await register(t);
    actor = await login(t, actorAccount);
    actorPassword = actorAccount.password;
    // The victim has sensitive data: a later comparison shows no payload rewrote it.
    const put = await request(t.url)
      .put('/api/users/me/sensitive')
      .set(...bearer(victim.accessToken))
      .send({ ssn: '123-45-6789', bankAccount: 'DE89370400440532013000' });
    expect(put.status).toBe(204);
    victimRowBefore = await userRow(victim.id);
    adminRowBefore = await userRow(admin.id);
    visitor = await register(t);
    usersBefore = await userCount();
  });
  afterAll(() => t.close());

  const fresh = (): ReturnType<typeof newUser> => {
    const tag = unique();
    return { ...newUser(), email: `inj.${tag}@example.org`, username: `inj_${tag}` };
  };

  describe('SQL metacharacters and pg_sleep in every string field', () => {
    // -- register ---------------------------------------------------------------------------
    it.each(['email', 'username', 'password', 'birthDate'] as const)(
      'POST /api/auth/register %s',
      async (field) => {
        const tracker = newTracker();
        const values = SQL_PAYLOADS.flatMap((p) =>
          field === 'email'
            ? [p, ...asEmail(p)]
            : field === 'password'
              ? [p, asStrongPassword(p)]
              : [p],
        );
        for (const value of values) {
          const body = { ...fresh(), [field]: value };
          // A payload that passes every rule is a legitimate registration (e.g. a strong password full of quotes).
          const res = await probe(
            tracker,
            `register ${field}=${show(value)}`,
            () => request(t.url).post('/api/auth/register').send(body),
            [201, 400, 409],
          );
          if (res.status === 201) {
            registered += 1;
            // Stored exactly as sent (parameterised), not interpreted.
            if (field === 'email')
              expect(res.body.email).toBe(value.trim().normalize('NFKC').toLowerCase());
            else if (field !== 'password') expect(res.body[field]).toBe(value);
            else {
              const back = await request(t.url)
                .post('/api/auth/login')
                .send({ email: body.email, password: value });
              expect(back.status).toBe(200);
            }
          }
        }
        expect(tracker.problems).toEqual([]);
      },
    );

    // -- login ------------------------------------------------------------------------------
    it.each(['email', 'password'] as const)(
      'POST /api/auth/login %s (the other field genuine)',
      async (field) => {
        const tracker = newTracker();
        const values = SQL_PAYLOADS.flatMap((p) =>
          field === 'email'
            ? [p, ...asEmail(p), `${victim.email}${p}`]
            : [p, `${victim.password}${p}`, `${p}${victim.password}`],
        );
        for (const value of values) {
          const body = { email: victim.email, password: victim.password, [field]: value };
          await probe(
            tracker,
            `login ${field}=${show(value)}`,
            () => request(t.url).post('/api/auth/login').send(body),
            [400, 401],
          );
        }
        expect(tracker.problems).toEqual([]);
      },
    );

    // -- refresh ----------------------------------------------------------------------------
    it('POST /api/auth/refresh refreshToken in the body and in the cookie', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `refresh body=${show(value)}`,
          () => request(t.url).post('/api/auth/refresh').send({ refreshToken: value }),
          [400, 401],
        );
        const cookieSafe = encodeURIComponent(value.replace(/[\ud800-\udfff]/g, 'x'));
        await probe(
          tracker,
          `refresh cookie=${show(value)}`,
          () =>
            request(t.url)
              .post('/api/auth/refresh')
              .set('Cookie', `__Host-refresh_token=${cookieSafe}`),
          [400, 401],
        );
      }
      expect(tracker.problems).toEqual([]);
    });

    // -- users/me ---------------------------------------------------------------------------
    it('PATCH /api/users/me username', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `PATCH /me username=${show(value)}`,
          () =>
            request(t.url)
              .patch('/api/users/me')
              .set(...bearer(actor.accessToken))
              .send({ username: value }),
          /^[A-Za-z0-9_]{3,30}$/.test(value) ? [200, 409] : [400],
        );
      }
      expect(tracker.problems).toEqual([]);
    });

    it('POST /api/users/me/password currentPassword and newPassword', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `password currentPassword=${show(value)}`,
          () =>
            request(t.url)
              .post('/api/users/me/password')
              .set(...bearer(actor.accessToken))
              .send({ currentPassword: value, newPassword: asStrongPassword(unique()) }),
          [400, 401],
        );
        for (const candidate of [value, asStrongPassword(value)]) {
          const res = await probe(
            tracker,
            `password newPassword=${show(candidate)}`,
            () =>
              request(t.url)
                .post('/api/users/me/password')
                .set(...bearer(actor.accessToken))
                .send({ currentPassword: actorPassword, newPassword: candidate }),
            [204, 400],
          );
          if (res.status === 204) actorPassword = candidate; // a legitimate change; the session stays live
        }
      }
      // The last accepted password is exactly what was sent.
      const back = await request(t.url)
        .post('/api/auth/login')
        .send({ email: actor.email, password: actorPassword });
      expect(back.status).toBe(200);
      expect(tracker.problems).toEqual([]);
    });

    it.each(['ssn', 'bankAccount'] as const)('PUT /api/users/me/sensitive %s', async (field) => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `sensitive ${field}=${show(value)}`,
          () =>
            request(t.url)
              .put('/api/users/me/sensitive')
              .set(...bearer(actor.accessToken))
              .send({ [field]: value }),
          [400],
        );
      }
      expect(tracker.problems).toEqual([]);
    });

    it('POST /api/users/me/sensitive/reveal password', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        const res = await probe(
          tracker,
          `reveal password=${show(value)}`,
          () =>
            request(t.url)
              .post('/api/users/me/sensitive/reveal')
              .set(...bearer(victim.accessToken))
              .send({ password: value }),
          [400, 401],
        );
        expect(res.body.ssn).toBeUndefined();
      }
      expect(tracker.problems).toEqual([]);
    });

    // -- admin query params and path ids --------------------------------------------------------
    const urlSafe = (p: string): string => encodeURIComponent(p.replace(/[\ud800-\udfff]/g, 'x'));

    it.each(['page', 'limit'])('GET /api/users ?%s=', async (param) => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `list ${param}=${show(value)}`,
          () =>
            request(t.url)
              .get(`/api/users?${param}=${urlSafe(value)}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
        await probe(
          tracker,
          `list ${param}=1${show(value)}`,
          () =>
            request(t.url)
              .get(`/api/users?${param}=1${urlSafe(value)}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
      }
      expect(tracker.problems).toEqual([]);
    });

    it.each(['type', 'userId', 'from', 'to'])('GET /api/audit/events ?%s=', async (param) => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        await probe(
          tracker,
          `audit ${param}=${show(value)}`,
          () =>
            request(t.url)
              .get(`/api/audit/events?${param}=${urlSafe(value)}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
      }
      expect(tracker.problems).toEqual([]);
    });

    it('path ids: GET/PATCH /api/users/:id and DELETE /api/auth/sessions/:id', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS) {
        const id = urlSafe(value);
        const idAfterUuid = urlSafe(`${victim.id}${value}`);
        for (const path of [id, idAfterUuid]) {
          await probe(
            tracker,
            `GET /users/${show(path)}`,
            () =>
              request(t.url)
                .get(`/api/users/${path}`)
                .set(...bearer(admin.accessToken)),
            [400],
          );
          await probe(
            tracker,
            `PATCH /users/${show(path)}`,
            () =>
              request(t.url)
                .patch(`/api/users/${path}`)
                .set(...bearer(admin.accessToken))
                .send({ isActive: false }),
            [400],
          );
          await probe(
            tracker,
            `DELETE /sessions/${show(path)}`,
            () =>
              request(t.url)
                .delete(`/api/auth/sessions/${path}`)
                .set(...bearer(actor.accessToken)),
            [400],
          );
        }
      }
      expect(tracker.problems).toEqual([]);
    });

    it('headers: User-Agent and X-Request-Id carrying payloads are stored or replaced, never interpreted', async () => {
      const tracker = newTracker();
      for (const value of SQL_PAYLOADS.filter((p) => /^[\x20-\x7e]+$/.test(p))) {
        const res = await probe(
          tracker,
          `login UA=${show(value)}`,
          () =>
            request(t.url)
              .post('/api/auth/login')
              .set('User-Agent', value)
              .set('X-Request-Id', value)
              .send({ email: visitor.email, password: visitor.password }),
          [200],
        );
        // Echoed only when it is 1–64 chars of [A-Za-z0-9._-] (docs/API.md "Conventions");
        // anything else is replaced.
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(value))
          expect(res.headers['x-request-id']).not.toBe(value);
      }
      const rows = await sql<{ user_agent: string }>(
        t,
        'SELECT user_agent FROM sessions WHERE user_id = $1 AND user_agent LIKE $2',
        [visitor.id, '%pg_sleep%'],
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(tracker.problems).toEqual([]);
    });
  });

  describe('type confusion', () => {
    const WRONG_TYPES: unknown[] = [
      0,
      1,
      -1,
      1.5,
      1e308,
      true,
      false,
      null,
      [],
      ['x'],
      [1, 2],
      {},
      { $ne: null },
      { $gt: '' },
      { toString: 'x' },
      { length: 1 },
    ];

    interface Field {
      op: string;
      field: string;
      send: (value: unknown) => request.Test;
      /** Statuses a wrong type may get besides 400 (documented exceptions only). */
      nullAllowed?: number[];
    }
    const fields = (): Field[] => {
      const reg = (field: string) => (value: unknown) =>
        request(t.url)
          .post('/api/auth/register')
          .send({ ...fresh(), [field]: value });
      const log = (field: string) => (value: unknown) =>
        request(t.url)
          .post('/api/auth/login')
          .send({ email: victim.email, password: victim.password, [field]: value });
      return [
        ...['email', 'username', 'password', 'birthDate'].map((field) => ({
          op: 'register',
          field,
          send: reg(field),
        })),
        ...['email', 'password'].map((field) => ({ op: 'login', field, send: log(field) })),
        // No refresh token at all (null falls back to the absent cookie) is a 401.
        {
          op: 'refresh',
          field: 'refreshToken',
          send: (v: unknown) => request(t.url).post('/api/auth/refresh').send({ refreshToken: v }),
          nullAllowed: [401],
        },
        {
          op: 'PATCH /me',
          field: 'username',
          send: (v: unknown) =>
            request(t.url)
              .patch('/api/users/me')
              .set(...bearer(actor.accessToken))
              .send({ username: v }),
        },
        {
          op: 'password',
          field: 'currentPassword',
          send: (v: unknown) =>
            request(t.url)
              .post('/api/users/me/password')
              .set(...bearer(actor.accessToken))
              .send({ currentPassword: v, newPassword: asStrongPassword(unique()) }),
        },
        {
          op: 'password',
          field: 'newPassword',
          send: (v: unknown) =>
            request(t.url)
              .post('/api/users/me/password')
              .set(...bearer(actor.accessToken))
              .send({ currentPassword: actorPassword, newPassword: v }),
        },
        // null erases a sensitive field (documented on the DTO: "null erases").
        {
          op: 'sensitive',
          field: 'ssn',
          send: (v: unknown) =>
            request(t.url)
              .put('/api/users/me/sensitive')
              .set(...bearer(actor.accessToken))
              .send({ ssn: v }),
          nullAllowed: [204],
        },
        {
          op: 'sensitive',
          field: 'bankAccount',
          send: (v: unknown) =>
            request(t.url)
              .put('/api/users/me/sensitive')
              .set(...bearer(actor.accessToken))
              .send({ bankAccount: v }),
          nullAllowed: [204],
        },
        {
          op: 'reveal',
          field: 'password',
          send: (v: unknown) =>
            request(t.url)
              .post('/api/users/me/sensitive/reveal')
              .set(...bearer(actor.accessToken))
              .send({ password: v }),
        },
        {
          op: 'admin PATCH /users/:id',
          field: 'isActive',
          send: (v: unknown) =>
            request(t.url)
              .patch(`/api/users/${victim.id}`)
              .set(...bearer(admin.accessToken))
              .send({ isActive: v }),
        },
        {
          op: 'admin PATCH /users/:id',
          field: 'role',
          send: (v: unknown) =>
            request(t.url)
              .patch(`/api/users/${victim.id}`)
              .set(...bearer(admin.accessToken))
              .send({ role: v }),
        },
      ];
    };

    it.each([
      'register.email',
      'register.username',
      'register.password',
      'register.birthDate',
      'login.email',
      'login.password',
      'refresh.refreshToken',
      'PATCH /me.username',
      'password.currentPassword',
      'password.newPassword',
      'sensitive.ssn',
      'sensitive.bankAccount',
      'reveal.password',
      'admin PATCH /users/:id.isActive',
      'admin PATCH /users/:id.role',
    ])('non-strings / wrong JSON types in %s -> 400, never 5xx', async (name) => {
      const field = fields().find((f) => `${f.op}.${f.field}` === name);
      expect(field).toBeDefined();
      const tracker = newTracker();
      for (const value of WRONG_TYPES) {
        // isActive must be a boolean and role a string: booleans/strings there are right types, covered below.
        if (field!.field === 'isActive' && typeof value === 'boolean') continue;
        const allowed = value === null ? [400, ...(field!.nullAllowed ?? [])] : [400];
        await probe(tracker, `${name}=${show(value)}`, () => field!.send(value), allowed);
      }
      expect(tracker.problems).toEqual([]);
    });

    it('strings where booleans, enums and integers are expected -> 400 (and no privilege change)', async () => {
      const tracker = newTracker();
      const send = (body: object) => () =>
        request(t.url)
          .patch(`/api/users/${victim.id}`)
          .set(...bearer(admin.accessToken))
          .send(body);
      for (const isActive of ['false', 'true', '0', '1', '', 'null', 'no']) {
        await probe(tracker, `isActive=${show(isActive)}`, send({ isActive }), [400]);
      }
      for (const role of [
        'ADMIN',
        'Admin',
        ' admin',
        'admin ',
        'admin\u0000',
        'аdmin' /* Cyrillic а */,
        'superuser',
        'user,admin',
        '',
        'root',
      ]) {
        await probe(tracker, `role=${show(role)}`, send({ role }), [400]);
      }
      for (const [param, value] of [
        ['page', '1e2'],
        ['page', '0x10'],
        ['page', '-1'],
        ['page', '0'],
        ['page', '1.5'],
        ['page', '%201'],
        ['page', 'NaN'],
        ['page', 'Infinity'],
        ['page', '99999999999999999999'],
        ['limit', '101'],
        ['limit', '0'],
        ['limit', '1e1'],
        ['limit', 'true'],
        ['limit', '[1]'],
        ['page[]', '1'],
        ['page[$gt]', '0'],
        ['limit', '10&limit=20'],
      ]) {
        await probe(
          tracker,
          `list ${param}=${value}`,
          () =>
            request(t.url)
              .get(`/api/users?${param}=${value}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
      }
      // A body that is not an object at all, on every JSON route.
      for (const raw of ['null', '[]', '"x"', '1', 'true', '[{"email":"a@b.co"}]']) {
        for (const [method, path, token] of [
          ['post', '/api/auth/register', undefined],
          ['post', '/api/auth/login', undefined],
          ['post', '/api/auth/refresh', undefined],
          ['patch', '/api/users/me', actor.accessToken],
          ['post', '/api/users/me/password', actor.accessToken],
          ['put', '/api/users/me/sensitive', actor.accessToken],
          ['post', '/api/users/me/sensitive/reveal', actor.accessToken],
          ['patch', `/api/users/${victim.id}`, admin.accessToken],
        ] as const) {
          await probe(
            tracker,
            `${method} ${path} body ${raw}`,
            () => {
              const req = request(t.url)[method](path).set('Content-Type', 'application/json');
              if (token) req.set(...bearer(token));
              return req.send(raw);
            },
            // An empty refresh request falls through to the (absent) cookie: 401. A JSON `null` body
            // is read as "no properties" by Nest's ValidationPipe: a no-op where every field is optional.
            path === '/api/auth/refresh'
              ? [400, 401]
              : raw === 'null' && /\/me$|sensitive$|users\/[0-9a-f-]{36}$/.test(path)
                ? [400, 200, 204]
                : [400],
          );
        }
      }
      expect(tracker.problems).toEqual([]);
      const victimNow = await userRow(victim.id);
      expect({ role: victimNow.role, is_active: victimNow.is_active }).toEqual({
        role: victimRowBefore.role,
        is_active: victimRowBefore.is_active,
      });
    });
  });

  describe('oversized strings', () => {
    // Just under the 100 KiB body limit, so these reach validation rather than the 413.
    const SIZES = [255, 1025, 10_000, 100 * 1024 - 300];
    it.each([
      [
        'register email',
        (s: string) =>
          request(t.url)
            .post('/api/auth/register')
            .send({ ...fresh(), email: `${s}@example.org` }),
      ],
      [
        'register username',
        (s: string) =>
          request(t.url)
            .post('/api/auth/register')
            .send({ ...fresh(), username: s }),
      ],
      [
        'register password',
        (s: string) =>
          request(t.url)
            .post('/api/auth/register')
            .send({ ...fresh(), password: `Aa1!${s}` }),
      ],
      [
        'register birthDate',
        (s: string) =>
          request(t.url)
            .post('/api/auth/register')
            .send({ ...fresh(), birthDate: `1990-01-01${s}` }),
      ],
      [
        'login email',
        (s: string) =>
          request(t.url)
            .post('/api/auth/login')
            .send({ email: `${s}@example.org`, password: 'x' }),
      ],
      [
        'login password',
        (s: string) =>
          request(t.url).post('/api/auth/login').send({ email: victim.email, password: s }),
      ],
      [
        'refresh refreshToken',
        (s: string) => request(t.url).post('/api/auth/refresh').send({ refreshToken: s }),
      ],
      [
        'PATCH /me username',
        (s: string) =>
          request(t.url)
            .patch('/api/users/me')
            .set(...bearer(actor.accessToken))
            .send({ username: s }),
      ],
      [
        'password currentPassword',
        (s: string) =>
          request(t.url)
            .post('/api/users/me/password')
            .set(...bearer(actor.accessToken))
            .send({ currentPassword: s, newPassword: asStrongPassword(unique()) }),
      ],
      [
        'password newPassword',
        (s: string) =>
          request(t.url)
            .post('/api/users/me/password')
            .set(...bearer(actor.accessToken))
            .send({ currentPassword: actorPassword, newPassword: `Aa1!${s}` }),
      ],
      [
        'sensitive ssn',
        (s: string) =>
          request(t.url)
            .put('/api/users/me/sensitive')
            .set(...bearer(actor.accessToken))
            .send({ ssn: s }),
      ],
      [
        'sensitive bankAccount',
        (s: string) =>
          request(t.url)
            .put('/api/users/me/sensitive')
            .set(...bearer(actor.accessToken))
            .send({ bankAccount: s }),
      ],
      [
        'reveal password',
        (s: string) =>
          request(t.url)
            .post('/api/users/me/sensitive/reveal')
            .set(...bearer(actor.accessToken))
            .send({ password: s }),
      ],
    ] as const)('%s: 255 B … ~100 KiB -> 400 in < 2 s', async (label, send) => {
      const tracker = newTracker();
      for (const size of SIZES) {
        const s = 'a'.repeat(size);
        // 401 only where a long value is a legal shape (a long wrong password or current password).
        const allowed =
          /login password|currentPassword|reveal/.test(label) && size <= 1024 ? [400, 401] : [400];
        await probe(tracker, `${label} (${size} chars)`, () => send(s), allowed);
      }
      expect(tracker.problems).toEqual([]);
    });

    it('oversized query parameters and path ids -> 4xx in < 2 s', async () => {
      const tracker = newTracker();
      for (const size of [201, 2000, 8000]) {
        const s = '9'.repeat(size);
        await probe(
          tracker,
          `list page (${size})`,
          () =>
            request(t.url)
              .get(`/api/users?page=${s}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
        await probe(
          tracker,
          `audit type (${size})`,
          () =>
            request(t.url)
              .get(`/api/audit/events?type=${s}`)
              .set(...bearer(admin.accessToken)),
          [400],
        );
        // Path params longer than the router's limit: still a client error in the uniform body.
        await probe(
          tracker,
          `GET /users/:id (${size})`,
          () =>
            request(t.url)
              .get(`/api/users/${s}`)
              .set(...bearer(admin.accessToken)),
          [400, 404, 414],
        );
      }
      expect(tracker.problems).toEqual([]);
    });
  });

  describe('look-alike emails', () => {
    let owner: { email: string; password: string; id: string };
    beforeAll(async () => {
      // 'fi' and 'c' and 'o' have look-alikes in several scripts.
      const tag = unique().replace(/\d/g, 'k');
      const account = {
        ...newUser(),
        email: `fiona.cook${tag}@example.org`,
        username: `fc_${tag}`,
      };
      const created = await register(t, account);
      registered += 1;
      owner = { email: account.email, password: account.password, id: created.id };
    });

    const variants = (email: string): Array<[string, string]> => {
      const [local, domain] = email.split('@');
      return [
        ['upper case', email.toUpperCase()],
        ['surrounding spaces', `  ${email}\t`],
        [
          'full-width local part',
          [...local]
            .map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
            .join('') + `@${domain}`,
        ],
        ['full-width @', `${local}\uff20${domain}`],
        [
          'full-width domain',
          `${local}@${[...domain].map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('')}`,
        ],
        ['ligature ﬁ in the local part', email.replace('fi', '\ufb01')],
        ['Cyrillic с in the local part', email.replace('c', '\u0441')],
        ['Cyrillic о in the local part', email.replace('o', '\u043e')],
        ['Greek ο in the local part', email.replace('o', '\u03bf')],
        ['zero-width space in the local part', email.replace('@', '\u200b@')],
        ['soft hyphen in the local part', email.replace('@', '\u00ad@')],
        ['combining dot in the local part', email.replace('i', 'i\u0307')],
        ['Cyrillic е in the domain', email.replace('example', '\u0435xample')],
        ['Cyrillic а in the domain', email.replace('example', 'ex\u0430mple')],
        ['Greek ο in the TLD', email.replace('.org', '.\u03bfrg')],
        ['Cyrillic о in the TLD', email.replace('.org', '.\u043erg')],
        ['trailing dot on the domain', `${email}.`],
      ];
    };

    it.each([
      ['in the local part or normalised forms', (label: string) => !/domain|TLD/.test(label)],
      ['in the domain', (label: string) => /domain|TLD/.test(label)],
    ])(
      'registering a look-alike of an existing email (%s) is rejected (400) or normalised onto it (409)',
      async (_label, pick) => {
        const tracker = newTracker();
        for (const [label, email] of variants(owner.email).filter(([label]) => pick(label))) {
          const tag = unique();
          await probe(
            tracker,
            `register ${label} ${show(email)}`,
            () =>
              request(t.url)
                .post('/api/auth/register')
                .send({ ...newUser(), email, username: `lk_${tag}` }),
            [400, 409],
          );
        }
        expect(tracker.problems).toEqual([]);
      },
    );

    it("logging in with a look-alike never reaches another account (401/400, or the owner's own account when normalised)", async () => {
      const tracker = newTracker();
      for (const [label, email] of variants(owner.email)) {
        const res = await probe(
          tracker,
          `login ${label}`,
          () => request(t.url).post('/api/auth/login').send({ email, password: owner.password }),
          [200, 400, 401],
        );
        if (res.status === 200) {
          const me = await request(t.url)
            .get('/api/users/me')
            .set(...bearer(res.body.accessToken as string));
          expect(me.body.id).toBe(owner.id);
        }
      }
      expect(tracker.problems).toEqual([]);
    });

    it('look-alike usernames (Cyrillic, full-width) are rejected', async () => {
      const tracker = newTracker();
      for (const username of [
        '\u0430dmin',
        'ａｄｍｉｎ',
        'adm\u0456n',
        'admin\u200b',
        'Ａdmin_1',
      ]) {
        await probe(
          tracker,
          `register username ${show(username)}`,
          () =>
            request(t.url)
              .post('/api/auth/register')
              .send({ ...fresh(), username }),
          [400],
        );
        await probe(
          tracker,
          `PATCH /me username ${show(username)}`,
          () =>
            request(t.url)
              .patch('/api/users/me')
              .set(...bearer(actor.accessToken))
              .send({ username }),
          [400],
        );
      }
      expect(tracker.problems).toEqual([]);
    });
  });

  // Holds whenever it runs: in declaration order after every payload above, in random order at
  // any point (every accepted registration, the look-alike owner's included, adds to `registered`).
  describe('afterwards: no side effects', () => {
    it('the user count grew only by the accepted registrations; the victim and the admin are untouched; the tables are there', async () => {
      // Plus any look-alike the app accepted (those fail their own test above).
      const lookalikes = Number(
        (
          await sql<{ n: string }>(
            t,
            "SELECT count(*) AS n FROM users WHERE username LIKE 'lk\\_%'",
          )
        )[0].n,
      );
      expect(await userCount()).toBe(usersBefore + registered + lookalikes);
      expect(await userRow(victim.id)).toEqual(victimRowBefore);
      expect(await userRow(admin.id)).toEqual(adminRowBefore);
      const roles = await sql<{ role: string; n: string }>(
        t,
        'SELECT role, count(*) AS n FROM users GROUP BY role ORDER BY role',
      );
      expect(roles.find((r) => r.role === 'admin')?.n).toBe('1');
      for (const table of ['users', 'sessions', 'refresh_tokens', 'audit_events']) {
        await expect(sql(t, `SELECT 1 FROM ${table} LIMIT 1`)).resolves.toBeDefined();
      }
    });

    it('the victim still logs in and reveals its own data', async () => {
      const again = await request(t.url)
        .post('/api/auth/login')
        .send({ email: victim.email, password: victim.password });
      expect(again.status).toBe(200);
      const reveal = await request(t.url)
        .post('/api/users/me/sensitive/reveal')
        .set(...bearer(again.body.accessToken as string))
        .send({ password: victim.password });
      expect(reveal.status).toBe(200);
      expect(reveal.body).toEqual({ ssn: '123-45-6789', bankAccount: 'DE89370400440532013000' });
    });
  });
});

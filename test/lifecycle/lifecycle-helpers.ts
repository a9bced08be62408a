import request from 'supertest';
import { DeferredWork } from '../../src/account/deferred-work';
import {
  login,
  newUser,
  register,
  RELAXED_LIMITS,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { eventually } from '../support/mail-context';
import { randomClientIp } from '../support/redis';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server';
import { startTestApp, type TestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

export const APP_URL = 'https://app.example.org';

/**
 * The real app (createApp + AppModule) sending through `smtp` (STARTTLS, AUTH, the test CA), with
 * auth limits relaxed. `redis: true` puts its counters (the per-address mail quota included) in
 * the Redis of REDIS_URL, shared with other specs: every request must then come through `post`,
 * `registerFrom` or `loginFrom` (a random client address), never straight from 127.0.0.1.
 */
export async function startLifecycleApp(
  smtp: TestSmtpServer,
  overrides: Record<string, string> = {},
  options: { redis?: boolean; db?: TestDatabase } = {},
): Promise<TestApp> {
  const t = await startTestApp(
    {
      ...RELAXED_LIMITS,
      SMTP_URL: smtp.url(),
      SMTP_CA: smtp.caFile,
      MAIL_FROM: '"Example App" <no-reply@example.org>',
      PUBLIC_APP_URL: APP_URL,
      // `post` below comes from a random address (clientIpOf) through the loopback proxy: counters that Redis keeps
      // from earlier runs (a block lasts the window) never meet this run's requests.
      TRUST_PROXY: '127.0.0.1',
      ...(options.redis && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...overrides,
    },
    options.db,
  );
  clientIps.set(t, randomClientIp());
  return t;
}

/** A real SMTP server and the lifecycle app sending through it: one describe block's pair. */
export interface LifecycleSuite {
  smtp: TestSmtpServer;
  t: TestApp;
}

/** Starts a describe block's SMTP server and app (`beforeAll(async () => ({ smtp, t } = await …)))`). */
export async function startLifecycleSuite(
  overrides: Record<string, string> = {},
  options: { redis?: boolean } = {},
): Promise<LifecycleSuite> {
  const smtp = await TestSmtpServer.start();
  return { smtp, t: await startLifecycleApp(smtp, overrides, options) };
}

/** Stops what startLifecycleSuite started (either may be missing when start-up failed). */
export async function stopLifecycleSuite(suite: Partial<LifecycleSuite>): Promise<void> {
  await suite.t?.close();
  await suite.smtp?.stop();
}

/** The token of the `path` link (`/verify-email`…) in a mail's text and HTML (both must agree). */
export function linkToken(mail: ReceivedMail, path: string): string {
  const link = /https:\/\/app\.example\.org(\/[a-z-]+)#token=([A-Za-z0-9_-]{43})\b/;
  const inText = link.exec(mail.parsed.text ?? '');
  if (!inText || inText[1] !== path) throw new Error(`no ${path} link in: ${mail.parsed.text}`);
  const inHtml = link.exec(String(mail.parsed.html).replaceAll('&#x3D;', '='));
  expect(inHtml?.slice(1)).toEqual(inText.slice(1));
  return inText[2];
}

/** Waits for work the app deferred past its responses (forgot's lookup and mail). */
export function settleDeferred(t: TestApp): Promise<void> {
  return t.app.get(DeferredWork).drain();
}

/** settleDeferred, then until the outbox is empty: nothing of earlier requests still runs. */
export async function settleAll(t: TestApp): Promise<void> {
  await settleDeferred(t);
  await eventually(async () => {
    const [{ count }] = await sql<{ count: string }>(
      t,
      "SELECT count(*) FROM mail_outbox WHERE status IN ('pending', 'sending')",
    );
    return count === '0';
  });
}

/** Purposes of the outbox rows to `recipient`, oldest first. */
export async function outboxPurposes(t: TestApp, recipient: string): Promise<string[]> {
  const rows = await sql<{ purpose: string }>(
    t,
    'SELECT purpose FROM mail_outbox WHERE recipient = $1 ORDER BY created_at',
    [recipient],
  );
  return rows.map((row) => row.purpose);
}

/** Audit events of `type` for `userId` (null: events with no user). */
export async function auditEvents(
  t: TestApp,
  type: string,
  userId: string | null,
): Promise<Array<{ metadata: Record<string, unknown> }>> {
  return sql(
    t,
    `SELECT metadata FROM audit_events WHERE type = $1 AND user_id IS NOT DISTINCT FROM $2 ORDER BY seq`,
    [type, userId],
  );
}

/** Each app's client address for `post` (fresh per app, so apps sharing Redis never share counters). */
const clientIps = new WeakMap<TestApp, string>();

/** The address `post` sends from to `t`, through its trusted loopback proxy. */
export function clientIpOf(t: TestApp): string {
  return clientIps.get(t) ?? '127.0.0.1';
}

export function post(t: TestApp, path: string, body: object, token?: string): request.Test {
  return postFrom(t, clientIpOf(t), path, body, token);
}

/** `post` from another client address (another network, for the limits counted per network). */
export function postFrom(
  t: TestApp,
  ip: string,
  path: string,
  body: object,
  token?: string,
): request.Test {
  const req = request(t.url).post(path).set('X-Forwarded-For', ip).send(body);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
}

/** `register` of auth-helpers, from the app's client address. */
export function registerFrom(t: TestApp, email?: string): Promise<TestUser> {
  return register(t, email ? { email } : {}, { from: clientIpOf(t) });
}

/**
 * Registration with REQUIRE_VERIFIED_EMAIL=true, from the app's client address: the answer is a
 * 202 that names no account and comes before the account is written, so the new account's id is
 * read from the database once the registration's deferred work is done.
 */
export async function registerAcceptedFrom(
  t: TestApp,
  overrides: Partial<ReturnType<typeof newUser>> = {},
): Promise<TestUser> {
  const body = { ...newUser(), ...overrides };
  const res = await post(t, '/api/auth/register', body);
  if (res.status !== 202)
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  await settleDeferred(t);
  const [row] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email = $1', [body.email]);
  if (!row) throw new Error('register answered 202 but created no account');
  return { id: row.id, ...body };
}

/** `login` of auth-helpers, from the app's client address or `ip`. */
export function loginFrom(t: TestApp, user: TestUser, ip = clientIpOf(t)): Promise<LoggedIn> {
  return login(t, user, { from: ip });
}

import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AdminBootstrapService } from '../../src/account/admin-bootstrap.service';
import type { TestApp } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
}

export interface LoggedIn extends TestUser {
  accessToken: string;
  refreshToken: string;
}

/** A unique, policy-compliant account. */
export function newUser(): Omit<TestUser, 'id'> & { birthDate: string } {
  const tag = randomBytes(5).toString('hex');
  return {
    email: `user.${tag}@example.org`,
    username: `u_${tag}`,
    password: `Zq!${randomBytes(9).toString('base64url')}9x`,
    birthDate: '1990-05-17',
  };
}

/** Where a request comes from: a client address sent through the app's trusted loopback proxy. */
export interface From {
  /** Sent as X-Forwarded-For (the app must trust 127.0.0.1); unset: the socket's own 127.0.0.1. */
  from?: string;
}

/** A POST from `from` when given: apps whose counters live in shared Redis need a fresh address. */
function postAs(t: TestApp, path: string, body: object, { from }: From): request.Test {
  const req = request(t.url).post(path);
  return (from ? req.set('X-Forwarded-For', from) : req).send(body);
}

export async function register(
  t: TestApp,
  overrides: Partial<ReturnType<typeof newUser>> = {},
  origin: From = {},
): Promise<TestUser> {
  const body = { ...newUser(), ...overrides };
  const res = await postAs(t, '/api/auth/register', body, origin);
  if (res.status !== 201)
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.id as string,
    email: body.email,
    username: body.username,
    password: body.password,
  };
}

export async function login(t: TestApp, user: TestUser, origin: From = {}): Promise<LoggedIn> {
  const res = await postAs(
    t,
    '/api/auth/login',
    { email: user.email, password: user.password },
    origin,
  );
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    ...user,
    accessToken: res.body.accessToken as string,
    refreshToken: res.body.refreshToken as string,
  };
}

export async function registerAndLogin(t: TestApp): Promise<LoggedIn> {
  return login(t, await register(t));
}

/** An admin created the way operators do (AdminBootstrapService), then logged in over HTTP. */
export async function loginAdmin(t: TestApp): Promise<LoggedIn> {
  const account = newUser();
  const id = await t.app.get(AdminBootstrapService).createAdmin(account.email, account.password);
  if (!id) throw new Error('admin already exists');
  return login(t, { id, email: account.email, username: '', password: account.password });
}

export async function adminToken(t: TestApp): Promise<string> {
  return (await loginAdmin(t)).accessToken;
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

/**
 * Generous limits so that suites making many auth calls from one IP test the feature, not the
 * rate limiter (which has its own suite).
 */
export const RELAXED_LIMITS: Record<string, string> = {
  RATE_LIMIT_MAX: '100000',
  AUTH_RATE_LIMIT_MAX: '100000',
  LOGIN_FAILURE_MAX: '100000',
  LOGIN_FAILURE_ACCOUNT_MAX: '100000',
};

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Header and payload of a JWT, decoded without verifying anything. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  const part = (s: string) =>
    JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(header), payload: part(payload) };
}

/** GET /api/users/me with `token`: the cheapest authenticated request. */
export function getMe(t: TestApp, token: string): request.Test {
  return request(t.url)
    .get('/api/users/me')
    .set(...bearer(token));
}

/** POST /api/auth/refresh with the token in the body. */
export function refreshWith(t: TestApp, refreshToken: string): request.Test {
  return request(t.url).post('/api/auth/refresh').send({ refreshToken });
}

/** A read (or write) straight against the app's database, for checks HTTP cannot make. */
export function sql<T = Record<string, unknown>>(
  t: TestApp,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return t.app.get(DataSource).query<T[]>(text, params);
}

/** An access token of a plain (role `user`) account. */
export async function userToken(t: TestApp): Promise<string> {
  return (await registerAndLogin(t)).accessToken;
}

/** The `Set-Cookie` of `name` in a response: its value and its attributes by lower-case name. */
export function setCookieOf(
  res: request.Response,
  name: string,
): { value: string; attrs: Map<string, string> } {
  const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const line = raw.find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(raw)}`);
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  return {
    value: decodeURIComponent(pair.slice(name.length + 1)),
    attrs: new Map(attrs.map((a) => [a.split('=')[0].toLowerCase(), a])),
  };
}

import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeJwt, newUser } from '../support/auth-helpers';

/** One running instance of the service, as a client sees it: a name and a base URL. */
export interface Instance {
  name: string;
  url: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** One JSON request to `instance`; the body is parsed when there is one. */
export async function call(
  instance: Instance,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: object } = {},
): Promise<Answer> {
  const res = await fetch(`${instance.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A new account registered and signed in on `instance`. */
export async function signUp(instance: Instance): Promise<Tokens> {
  const user = newUser();
  const registered = await call(instance, 'POST', '/api/auth/register', { body: user });
  if (registered.status !== 201)
    throw new Error(`register on ${instance.name}: ${registered.status}`);
  return signIn(instance, user);
}

export async function signIn(
  instance: Instance,
  user: { email: string; password: string },
): Promise<Tokens> {
  const res = await call(instance, 'POST', '/api/auth/login', {
    body: { email: user.email, password: user.password },
  });
  if (res.status !== 200) throw new Error(`login on ${instance.name}: ${res.status}`);
  return tokensOf(res);
}

/** Spends `refreshToken` on `instance` for a new pair. */
export async function refresh(instance: Instance, refreshToken: string): Promise<Answer> {
  return call(instance, 'POST', '/api/auth/refresh', { body: { refreshToken } });
}

export function tokensOf(res: Answer): Tokens {
  return {
    accessToken: res.body.accessToken as string,
    refreshToken: res.body.refreshToken as string,
  };
}

export const me = (instance: Instance, token: string): Promise<Answer> =>
  call(instance, 'GET', '/api/users/me', { token });

export const kidOf = (token: string): string => decodeJwt(token).header.kid as string;

export async function jwksOf(instance: Instance): Promise<Array<{ kid: string }>> {
  const res = await call(instance, 'GET', '/.well-known/jwks.json');
  if (res.status !== 200) throw new Error(`JWKS of ${instance.name}: ${res.status}`);
  return res.body.keys as Array<{ kid: string }>;
}

/**
 * `token`'s header and claims signed again by `privateKey` (Ed25519) under `kid`: what a holder of
 * a stolen key can make for any live session.
 */
export function resignEdDsa(token: string, kid: string, privateKey: KeyObject): string {
  const { header, payload } = decodeJwt(token);
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ ...header, kid })}.${part(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

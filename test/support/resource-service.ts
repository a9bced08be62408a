import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import request from 'supertest';
import { bearer, decodeJwt } from './auth-helpers';
import { freePort, spawnApp, waitForStatus, type SpawnedApp } from './spawn-app';
import type { TestApp } from './test-app';

/** The example another team would copy: run from this checkout, on the root node_modules. */
export const RESOURCE_SERVICE = join(
  __dirname,
  '..',
  '..',
  'examples',
  'resource-service',
  'server.mjs',
);

export interface ResourceService {
  url: string;
  process: SpawnedApp;
  /** GET `path` (/whoami or /whoami/live) with `token` as the bearer token. */
  get(path: string, token: string): request.Test;
  stop(): Promise<void>;
}

/**
 * The example resource service as its own process, pointed at `t`'s JWKS and session check.
 * `extra` adds environment (the JWKS cache knobs).
 */
export async function startResourceService(
  t: TestApp,
  extra: Record<string, string> = {},
): Promise<ResourceService> {
  const port = await freePort();
  const service = spawnApp(
    {
      AUTH_JWKS_URL: `${t.url}/.well-known/jwks.json`,
      AUTH_ISSUER: t.env.JWT_ISSUER,
      AUTH_AUDIENCE: t.env.JWT_AUDIENCE,
      AUTH_SESSION_URL: `${t.url}/api/auth/session`,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...extra,
    },
    { main: RESOURCE_SERVICE },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (service.child.exitCode === null) service.child.kill('SIGTERM');
    await service.exited;
  };
  try {
    // Listening: no token is a 401 that asks nothing of our service.
    await waitForStatus(`${url}/whoami`, 401, 15_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${service.output()}`);
  }
  return {
    url,
    process: service,
    get: (path, token) =>
      request(url)
        .get(path)
        .set(...bearer(token)),
    stop,
  };
}

export interface SigningKey {
  kid: string;
  algorithm: string;
  signingKey: KeyObject;
}

export interface Changes {
  /** The header `typ` (an access token's is 'at+jwt'). */
  typ?: string;
  /** Claims replacing `genuine`'s. */
  claims?: Record<string, unknown>;
}

/**
 * `genuine`'s claims with a fresh iat/nbf/exp, signed by `key` under its kid: a token that only
 * the key decides about (ours, a retired one of ours, or a stranger's), or with `changes`, only
 * the changed header or claims.
 */
export function resignedBy(
  key: SigningKey,
  genuine: string,
  changes: Changes = {},
): Promise<string> {
  const { payload } = decodeJwt(genuine);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...payload, iat: now, nbf: now, exp: now + 600, ...changes.claims })
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: changes.typ ?? 'at+jwt' })
    .sign(key.signingKey);
}

import request from 'supertest';
import { setCookieOf } from '../auth-helpers';
import type { TestApp } from '../test-app';
import { signInAtProvider, type ProviderLogin } from './sign-in-driver';

export const FLOW_COOKIE = '__Host-oidc_flow';
export const RESULT_COOKIE = '__Host-oidc_result';

/** The browser's side of GET /api/auth/oidc/:id/authorize: where it is sent, and its flow cookie. */
export interface StartedFlow {
  providerUrl: URL;
  flowCookie: string;
}

/** Asks the app to start a provider sign-in; the answer must be a 302 to the provider. */
export async function startProviderSignIn(t: TestApp, providerId: string): Promise<StartedFlow> {
  const res = await request(t.url).get(`/api/auth/oidc/${providerId}/authorize`).expect(302);
  return {
    providerUrl: new URL(res.headers.location),
    flowCookie: setCookieOf(res, FLOW_COOKIE).value,
  };
}

/** Where the browser lands after the callback (PUBLIC_APP_URL/…#fragment) and the result cookie, if any. */
export interface CallbackAnswer {
  location: URL;
  fragment: URLSearchParams;
  resultCookie?: string;
  res: request.Response;
}

/**
 * Delivers the provider's redirect (an absolute URL at PUBLIC_API_URL) to the app, with the flow
 * cookie the browser holds (none: `undefined`).
 */
export async function deliverCallback(
  t: TestApp,
  callback: URL,
  flowCookie: string | undefined,
): Promise<CallbackAnswer> {
  const req = request(t.url).get(`${callback.pathname}${callback.search}`);
  if (flowCookie !== undefined)
    req.set('Cookie', `${FLOW_COOKIE}=${encodeURIComponent(flowCookie)}`);
  const res = await req.expect(302);
  const location = new URL(res.headers.location);
  const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const resultCookie = raw.some((l) => l.startsWith(`${RESULT_COOKIE}=`))
    ? setCookieOf(res, RESULT_COOKIE).value
    : undefined;
  return { location, fragment: new URLSearchParams(location.hash.slice(1)), resultCookie, res };
}

/** POST /api/auth/oidc/exchange with the code and (when given) the result cookie. */
export function exchangeCode(t: TestApp, code: string, resultCookie?: string): request.Test {
  const req = request(t.url).post('/api/auth/oidc/exchange');
  if (resultCookie !== undefined)
    req.set('Cookie', `${RESULT_COOKIE}=${encodeURIComponent(resultCookie)}`);
  return req.send({ code });
}

/** The whole browser round trip: authorize, the provider's login, the callback. */
export async function signInWithProvider(
  t: TestApp,
  providerId: string,
  login: ProviderLogin,
  caFile: string,
): Promise<CallbackAnswer> {
  const flow = await startProviderSignIn(t, providerId);
  const callback = await signInAtProvider(flow.providerUrl.href, login, caFile);
  return deliverCallback(t, callback, flow.flowCookie);
}

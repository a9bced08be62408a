import type { FastifyReply, FastifyRequest } from 'fastify';

/** Binds a provider sign-in's one-time code to the browser the callback answered. */
export const RESULT_COOKIE = '__Host-oidc_result';
/** How long the code waits for the browser's exchange. */
export const RESULT_TTL_SECONDS = 60;

const COOKIE = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

export function setResultCookie(reply: FastifyReply, binding: string): void {
  reply.setCookie(RESULT_COOKIE, binding, { ...COOKIE, maxAge: RESULT_TTL_SECONDS });
}

/** The binding the exchange must match; the cookie is cleared: the code is single use anyway. */
export function takeResultCookie(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const header = request.headers.cookie;
  const value = header ? request.server.parseCookie(header)[RESULT_COOKIE] : undefined;
  reply.clearCookie(RESULT_COOKIE, COOKIE);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

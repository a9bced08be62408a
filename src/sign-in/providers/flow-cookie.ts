import type { FastifyReply, FastifyRequest } from 'fastify';
import { FieldCipher } from '../../crypto/field-cipher.service';
import type { FlowSecrets } from './provider-profile';

/** Holds a provider flow between the redirect out and the callback: this browser's only. */
export const FLOW_COOKIE = '__Host-oidc_flow';
/** How long a user may take at the provider. */
export const FLOW_TTL_SECONDS = 600;

/** A flow in progress: sign-in, or linking to the signed-in session that started it. */
export interface ProviderFlow extends FlowSecrets {
  provider: string;
  /** Epoch milliseconds after which the callback refuses it, whatever the browser kept. */
  expiresAt: number;
  link?: { userId: string; sessionId: string };
}

// Lax: the provider's redirect back is a top-level cross-site GET, which Strict would strip it from.
const COOKIE = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

/** Where the seal binds the cookie: its name and the provider, so it opens for that provider only. */
const location = (provider: string) => ({ table: 'cookie', column: FLOW_COOKIE, rowId: provider });

/** Seals the flow (AES-256-GCM, the field cipher's key) into the flow cookie. */
export function setFlowCookie(reply: FastifyReply, cipher: FieldCipher, flow: ProviderFlow): void {
  const sealed = cipher.encrypt(JSON.stringify(flow), location(flow.provider));
  reply.setCookie(FLOW_COOKIE, sealed, { ...COOKIE, maxAge: FLOW_TTL_SECONDS });
}

/**
 * The flow this browser started with `provider`, or undefined: no cookie, sealed for another
 * provider, tampered with, or expired. The cookie is cleared in any case: one callback per flow.
 */
export function takeFlowCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  cipher: FieldCipher,
  provider: string,
): ProviderFlow | undefined {
  const header = request.headers.cookie;
  const sealed = header ? request.server.parseCookie(header)[FLOW_COOKIE] : undefined;
  reply.clearCookie(FLOW_COOKIE, COOKIE);
  if (typeof sealed !== 'string' || sealed === '') return undefined;
  let flow: ProviderFlow;
  try {
    flow = JSON.parse(cipher.decrypt(sealed, location(provider))) as ProviderFlow;
  } catch {
    return undefined;
  }
  return flow.provider === provider && Date.now() < flow.expiresAt ? flow : undefined;
}

import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { bearer, decodeJwt, sql, type TestUser } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';

const STEP_MS = 30_000;

/** The code an RFC 6238 app shows for `secret`, `steps` time steps away from now. */
export function codeAt(secret: string, steps = 0): string {
  const totp = new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  return totp.generate({ timestamp: Date.now() + steps * STEP_MS });
}

/**
 * Waits until at least `marginMs` remain in the current time step, so a sequence of codes computed
 * now lands on the steps the test means, even with the server a few milliseconds behind.
 */
export async function awayFromStepEdge(marginMs = 6_000): Promise<void> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 300));
}

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Marks the address verified straight in the database: factors need a proven address, and specs
 * that are not about verification skip the mail round trip.
 */
export async function markVerified(t: TestApp, userId: string): Promise<void> {
  await sql(t, 'UPDATE users SET email_verified = true WHERE id = $1', [userId]);
}

/** Starts an authenticator's set-up for `user` on a verified address, the password as proof. */
export async function totpSetup(
  t: TestApp,
  user: TestUser & { accessToken: string },
): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
  await markVerified(t, user.id);
  const setup = await request(t.url)
    .post('/api/auth/mfa/totp/setup')
    .set(...bearer(user.accessToken))
    .send({ password: user.password })
    .expect(200);
  return setup.body as { secret: string; otpauthUri: string; qrSvg: string };
}

/**
 * Sets up and confirms an authenticator for `user` (confirming with the code `steps` away), on a
 * verified address. Confirming ends the account's other sessions.
 */
export async function enrolTotp(
  t: TestApp,
  user: TestUser & { accessToken: string },
  steps = -1,
): Promise<Enrolled> {
  const { secret } = await totpSetup(t, user);
  const confirmed = await request(t.url)
    .post('/api/auth/mfa/totp/confirm')
    .set(...bearer(user.accessToken))
    .send({ code: codeAt(secret, steps) })
    .expect(200);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

/** The password step of a two-step login: the mfaToken. */
export async function passwordStep(t: TestApp, user: TestUser): Promise<string> {
  const res = await request(t.url)
    .post('/api/auth/login')
    .send({ email: user.email, password: user.password })
    .expect(200);
  if (res.body.mfaRequired !== true)
    throw new Error(`no MFA challenge: ${JSON.stringify(res.body)}`);
  return res.body.mfaToken as string;
}

export function verify(t: TestApp, body: Record<string, string>): request.Test {
  return request(t.url).post('/api/auth/mfa/verify').send(body);
}

export const amrOf = (accessToken: string): unknown => decodeJwt(accessToken).payload.amr;

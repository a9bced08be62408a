import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import request from 'supertest';
import { RELAXED_LIMITS, bearer, sql, type LoggedIn } from '../support/auth-helpers';
import type { SoftAuthenticator } from '../support/soft-authenticator';
import { markVerified } from './mfa-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The origin the soft authenticator writes into clientDataJSON. Nothing serves it: the relying
 * party only compares it with WEBAUTHN_ORIGINS (and WEBAUTHN_RP_ID keeps its default, the PUBLIC_APP_URL host: localhost).
 */
export const PASSKEY_ORIGIN = 'http://localhost:5173';

/** The app with PASSKEY_ORIGIN as its origin and generous rate limits. */
export function startPasskeyApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({
    ...RELAXED_LIMITS,
    PUBLIC_APP_URL: PASSKEY_ORIGIN,
    WEBAUTHN_ORIGINS: PASSKEY_ORIGIN,
    ...overrides,
  });
}

export interface StoredPasskey {
  id: string;
  credentialId: string;
  name: string | null;
  backupEligible: boolean;
  backedUp: boolean;
}

/**
 * Options for navigator.credentials.create() on `user`'s verified address (factors need one),
 * the password as the step-up proof.
 */
export async function registrationOptions(
  t: TestApp,
  user: LoggedIn,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  await markVerified(t, user.id);
  const options = await request(t.url)
    .post('/api/auth/passkeys/registration/options')
    .set(...bearer(user.accessToken))
    .send({ password: user.password })
    .expect(200);
  return options.body as PublicKeyCredentialCreationOptionsJSON;
}

/** Adds a passkey made by `authenticator` to `user`'s account; the stored passkey as the API lists it. */
export async function addPasskey(
  t: TestApp,
  user: LoggedIn,
  authenticator: SoftAuthenticator,
  name?: string,
): Promise<StoredPasskey> {
  const options = await registrationOptions(t, user);
  const response = authenticator.register(options, PASSKEY_ORIGIN);
  const stored = await request(t.url)
    .post('/api/auth/passkeys/registration/verify')
    .set(...bearer(user.accessToken))
    .send({ response, name })
    .expect(201);
  return { ...(stored.body as Omit<StoredPasskey, 'credentialId'>), credentialId: response.id };
}

/** Options for navigator.credentials.get(): for the login behind `mfaToken`, or passwordless. */
export async function assertionOptions(
  t: TestApp,
  mfaToken?: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await request(t.url)
    .post('/api/auth/passkeys/authentication/options')
    .send(mfaToken === undefined ? {} : { mfaToken })
    .expect(200);
  return res.body as PublicKeyCredentialRequestOptionsJSON;
}

/** Submits an assertion: the second step of the login behind `mfaToken`, or passwordless. */
export function signInWith(
  t: TestApp,
  response: AuthenticationResponseJSON,
  mfaToken?: string,
): request.Test {
  return request(t.url)
    .post('/api/auth/passkeys/authentication/verify')
    .send(mfaToken === undefined ? { response } : { mfaToken, response });
}

/** The signature counter the server stored for a credential. */
export async function storedCounter(t: TestApp, credentialId: string): Promise<number> {
  const [row] = await sql<{ counter: string }>(
    t,
    'SELECT counter FROM passkeys WHERE credential_id = $1',
    [credentialId],
  );
  return Number(row.counter);
}

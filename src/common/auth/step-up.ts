import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { ClientContext } from '../http/client-context';
import type { AuthenticatedUser } from './principal';

/**
 * The proofs a request may carry in its body: the password, a TOTP `code`, a `recoveryCode`, or a
 * `passkey` assertion (the browser's PublicKeyCredential as JSON, for options from
 * POST /api/auth/step-up/passkey/options). Validation checks only that `passkey` is an object:
 * @simplewebauthn verifies the rest.
 */
export interface ProofFields {
  password?: string;
  code?: string;
  recoveryCode?: string;
  passkey?: AuthenticationResponseJSON;
}

/** What a proven credential change may rely on: the credentials version its password was checked under. */
export interface ProvenChange {
  credentialsVersion: number;
}

/**
 * The one place that decides whether a sensitive request is proven enough. Declared here, below
 * every feature, and provided by the sign-in module (which imports users/ and sessions/), so
 * users/, sessions/, account/ and mfa/ ask for it without importing sign-in/: no import cycle.
 *
 * A missing proof is a 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`
 * (RFC 9470) and is not counted; a wrong one is a 401 counted like any wrong password or code.
 */
export abstract class StepUp {
  /**
   * Credential changes (password, email, factors): the password in this very request and, with a
   * second factor on, a second factor in it too. No grace period: a stolen or phished fresh session
   * alone changes nothing.
   */
  abstract forCredentialChange(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<ProvenChange>;

  /**
   * Other sensitive operations (ending sessions, writing sensitive data, admin changes): one proof in
   * this request, unless this session proved a factor within STEP_UP_MAX_AGE.
   */
  abstract forSensitiveOperation(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void>;
}

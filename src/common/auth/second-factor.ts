import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { ClientContext } from '../http/client-context';
import type { AMR } from './authentication-methods';
import type { UserAccount } from './principal';
import type { ProofFields } from './step-up';

/** A second factor, as the MFA challenge's `methods` and `auth.mfa.failure` events name it. */
export type FactorKind = 'totp' | 'recovery_code' | 'passkey';

/** Which code a proof used, as `amr` names it. */
export type CodeMethod = typeof AMR.totp | typeof AMR.recoveryCode;
/** Which factor a proof used, as `amr` names it. */
export type FactorMethod = CodeMethod | typeof AMR.passkey;

/** Whose factor is checked: the account, and what its owner's notice needs. */
export type FactorOwner = Pick<UserAccount, 'id' | 'email' | 'username'>;

/** What an assertion is for: each passkey challenge is issued for one of these and spent by it. */
export type AssertionPurpose = 'second_factor' | 'passwordless' | 'step_up';

/** The owner of a discoverable passkey that signed an assertion, and whether it verified. */
export interface PasskeyOwner {
  userId: string;
  verified: boolean;
}

export function kindOf(proof: ProofFields): FactorKind {
  if (typeof proof.code === 'string') return 'totp';
  if (typeof proof.recoveryCode === 'string') return 'recovery_code';
  return 'passkey';
}

/**
 * The second factors of an account, as sign-in and step-up ask for them. Declared here, below every
 * feature, and provided by the MFA module (which holds the factors), so sign-in/ checks factors
 * without importing mfa/.
 *
 * A guess is counted before it is checked (`reserve`, outside the transaction that checks, so the
 * owner's notice commits whatever happens to it) and settled after (`settle`: a right one forgives,
 * a wrong one is audited); `check` does all three for a step-up proof.
 */
export abstract class SecondFactor {
  /** The factors the account can take a second step with. */
  abstract methods(userId: string): Promise<FactorKind[]>;

  /** Counts one attempt; a 429 over the second-factor limit (the owner is told once a window). */
  abstract reserve(owner: FactorOwner, client: ClientContext): Promise<void>;

  /** After a reserved attempt was checked: a right one forgives, a wrong one is audited. */
  abstract settle(
    owner: FactorOwner,
    kind: FactorKind,
    right: boolean,
    client: ClientContext,
  ): Promise<void>;

  /** Which code `proof` holds, if it is right (a recovery code is spent and its use audited). */
  abstract matchCode(
    userId: string,
    proof: ProofFields,
    client: ClientContext,
  ): Promise<CodeMethod | undefined>;

  /** An assertion by one of `userId`'s passkeys for a challenge issued to them for `purpose`. */
  abstract matchPasskey(
    userId: string,
    response: AuthenticationResponseJSON,
    purpose: AssertionPurpose,
  ): Promise<boolean>;

  /**
   * A passwordless assertion: the discoverable passkey's owner, and whether the assertion (user
   * verification required) and its user handle hold; undefined for an unknown credential.
   */
  abstract passkeyOwner(response: AuthenticationResponseJSON): Promise<PasskeyOwner | undefined>;

  /** A step-up proof (a code, a recovery code or a passkey assertion) counted, checked and settled. */
  abstract check(
    owner: FactorOwner,
    proof: ProofFields,
    client: ClientContext,
  ): Promise<FactorMethod | undefined>;

  /** Options for navigator.credentials.get(): `userId`'s passkeys, or any discoverable one (null). */
  abstract passkeyOptions(
    purpose: AssertionPurpose,
    userId: string | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
}

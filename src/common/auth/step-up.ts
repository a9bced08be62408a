import type { ClientContext } from '../http/client-context';
import type { AuthenticatedUser } from './principal';

/** A second factor presented again for a sensitive operation (a TOTP code, or a recovery code). */
export interface StepUpProof {
  code?: string;
  recoveryCode?: string;
}

/**
 * Step-up for sensitive operations of other features (reveal). Declared here, below every feature,
 * and provided by the MFA module, so users/ can ask for it without importing mfa/ (which imports
 * users/ for re-authentication): no import cycle.
 */
export abstract class StepUpVerifier {
  /** Resolves when the caller has no second factor or `proof` is right; a 401 or 429 otherwise. */
  abstract verify(
    user: AuthenticatedUser,
    proof: StepUpProof,
    client: ClientContext,
  ): Promise<void>;
}

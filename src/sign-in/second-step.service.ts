import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { INVALID_LINK } from '../common/auth/account-messages';
import { SecondFactor, kindOf, type FactorKind } from '../common/auth/second-factor';
import type { ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { sha256Hex } from '../crypto/digest';
import { generateOpaqueToken } from '../crypto/random';
import { Transactions } from '../database/transactions';
import {
  MfaChallengeRepository,
  type FirstStep,
  type PendingSignIn,
} from '../sessions/mfa-challenge.repository';
import type { UserCredentials } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import { SignInService, type SignedIn } from './sign-in.service';

/** The `mfaToken` lives 5 minutes and survives 4 wrong codes (docs/API.md "Multi-factor authentication"). */
export const MFA_TOKEN_TTL_SECONDS = 300;
export const MFA_TOKEN_MAX_FAILURES = 5;

export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  methods: FactorKind[];
}

/**
 * The second step of a sign-in. The password step hands over the account it checked; a random
 * token (stored only as SHA-256) then stands for that half-done sign-in until a code, a recovery
 * code or a passkey completes it, once.
 */
@Injectable()
export class SecondStepService {
  constructor(
    private readonly challenges: MfaChallengeRepository,
    private readonly secondFactor: SecondFactor,
    private readonly users: UsersService,
    private readonly tx: Transactions,
    private readonly signIn: SignInService,
  ) {}

  /** The challenge for an account whose password was right, or undefined when it has no second factor. */
  async challengeFor(
    found: UserCredentials,
    firstStep: FirstStep = { firstFactor: 'pwd', identityId: null },
  ): Promise<MfaChallenge | undefined> {
    if (!found.user.mfaEnabled) return undefined;
    const mfaToken = generateOpaqueToken();
    await this.challenges.create(
      sha256Hex(mfaToken),
      found.user.id,
      found.credentialsVersion,
      MFA_TOKEN_TTL_SECONDS,
      firstStep,
    );
    return { mfaRequired: true, mfaToken, methods: await this.secondFactor.methods(found.user.id) };
  }

  /**
   * POST /api/auth/mfa/verify: a TOTP code or a recovery code for the sign-in behind `mfaToken`. A
   * wrong one counts against the token (dead after 5) and the second-factor limit (429 beyond it);
   * a right one spends the token and opens the session.
   */
  async verifyCode(mfaToken: string, proof: ProofFields, client: ClientContext): Promise<SignedIn> {
    const { pending, result } = await this.completeWith(
      mfaToken,
      kindOf(proof),
      client,
      async (signIn) => this.secondFactor.matchCode(signIn.userId, proof, client),
    );
    const { userId, credentialsVersion, firstFactor, identityId } = pending;
    const amr = [firstFactor, result];
    return this.signIn.open({ userId, credentialsVersion, amr, identityId }, client);
  }

  /**
   * Completes the sign-in behind `mfaToken` with a second factor that `check` verifies inside the
   * transaction that holds the token's row (undefined: wrong). The attempt is counted against the
   * account before the check, outside that transaction; a wrong answer counts against the token
   * too, a right one spends it.
   */
  async completeWith<T>(
    mfaToken: string,
    kind: FactorKind,
    client: ClientContext,
    check: (pending: PendingSignIn) => Promise<T | undefined>,
  ): Promise<{ pending: PendingSignIn; result: T }> {
    const owner = await this.users.get((await this.pendingUser(mfaToken)).userId);
    await this.secondFactor.reserve(owner, client);
    const hash = sha256Hex(mfaToken);
    const outcome = await this.tx.run(async () => {
      const pending = await this.challenges.findLive(hash, MFA_TOKEN_MAX_FAILURES, { lock: true });
      if (!pending) return 'invalid' as const;
      const result = await check(pending);
      await this.secondFactor.settle(owner, kind, result !== undefined, client);
      if (result === undefined) {
        await this.challenges.recordFailure(hash);
        return 'wrong' as const;
      }
      await this.challenges.spend(hash);
      return { pending, result };
    });
    if (outcome === 'invalid') return this.refuse(hash);
    if (outcome === 'wrong') throw new UnauthorizedException(SIGN_IN_ERRORS.WRONG_SECOND_FACTOR);
    return outcome;
  }

  /** The user behind a live `mfaToken` (for the passkey options of the second step). */
  async pendingUser(mfaToken: string): Promise<PendingSignIn> {
    const hash = sha256Hex(mfaToken);
    // A plain read: who the sign-in is for, before the attempt is counted or the row locked.
    const pending = await this.challenges.findLive(hash, MFA_TOKEN_MAX_FAILURES, { lock: false });
    return pending ?? this.refuse(hash);
  }

  /**
   * A token that is no longer usable: 400 like a dead link when a credential event (or a
   * deactivation) killed it, 401 for every other reason (unknown, spent, expired, out of tries).
   */
  private async refuse(hash: string): Promise<never> {
    if (await this.challenges.diedWithCredentials(hash))
      throw new BadRequestException(INVALID_LINK);
    throw new UnauthorizedException(SIGN_IN_ERRORS.INVALID_MFA_TOKEN);
  }
}

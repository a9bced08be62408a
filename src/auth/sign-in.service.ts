import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { TokenPair } from './dto/token-pair.dto';
import { SigninChecksService } from './lifecycle/signin-checks.service';
import { TokensService } from './tokens.service';

/** A sign-in the MFA module has proven: whose, on which credentials version, with which methods. */
export interface ProvenSignIn {
  userId: string;
  credentialsVersion: number;
  amr: string[];
}

export const SIGN_IN_EXPIRED = 'The sign-in is no longer valid: sign in again';

/**
 * Where every sign-in becomes a session: a password login (AuthService.login), the second step of a
 * two-step login, or a passwordless passkey. The session is stamped with the credentials version
 * that was checked, so a password change or deactivation meanwhile wins.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly users: UsersService,
    private readonly signin: SigninChecksService,
  ) {}

  /** A sign-in the MFA module proved, for a user who has not been loaded yet. */
  async open(proven: ProvenSignIn, client: ClientContext): Promise<TokenPair> {
    // The lifecycle rules of a password login hold here too: REQUIRE_VERIFIED_EMAIL (a
    // passwordless passkey never passed AuthService.login) and the new-device notice.
    const user = await this.users.get(proven.userId);
    await this.signin.assertMaySignIn(user, client);
    const pair = await this.openSession(user, proven, client);
    if (!pair) throw new UnauthorizedException(SIGN_IN_EXPIRED);
    return pair;
  }

  /**
   * One transaction: the session, its `auth.login.success` event and the new-device check. Undefined
   * when the credentials version moved on since it was checked (nothing is written then).
   */
  async openSession(
    user: User,
    proven: ProvenSignIn,
    client: ClientContext,
    details: { rehashed?: boolean } = {},
  ): Promise<TokenPair | undefined> {
    const opened = await this.tx.run(async () => {
      const session = await this.sessions.open(
        user.id,
        proven.credentialsVersion,
        proven.amr,
        client,
      );
      if (!session) return undefined;
      await this.audit.record({
        type: 'auth.login.success',
        userId: user.id,
        client,
        metadata: { sessionId: session.sessionId, amr: proven.amr, ...details },
      });
      await this.signin.signedIn(user, client);
      return session;
    });
    return opened && this.tokens.pair(opened);
  }
}

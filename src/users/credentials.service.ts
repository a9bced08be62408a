import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { AccountLimiter } from '../rate-limit/account-limiter';
import type { UserCredentials } from './user.entity';
import { UserRepository } from './user.repository';

export const WRONG_PASSWORD = 'Password is incorrect';

/**
 * Re-authentication: a signed-in user proves again that they know the password (reveal, password
 * change). A wrong password here is a login failure of the account like any other: counted before
 * the check by the account limit (so these routes answer 429 together with login once it is
 * exceeded) and audited as `auth.reauth.failure`. Otherwise a stolen access token would be an
 * unlimited oracle for the plaintext password.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly accountLimit: AccountLimiter,
    private readonly audit: AuditService,
  ) {}

  /** The caller's account and hash when `password` is theirs; a 401 with `message` otherwise. */
  async confirmPassword(
    userId: string,
    password: string,
    client: ClientContext,
    message = WRONG_PASSWORD,
  ): Promise<UserCredentials> {
    const credentials = await this.users.findCredentials({ id: userId });
    if (!credentials) throw new UnauthorizedException(message);
    const { email } = credentials.user;
    await this.accountLimit.reserve(email, client);
    if (!(await this.hasher.verify(password, credentials.passwordHash))) {
      await this.audit.record({
        type: 'auth.reauth.failure',
        userId,
        client,
        metadata: { route: client.route },
      });
      throw new UnauthorizedException(message);
    }
    await this.accountLimit.forgive(email, client);
    return credentials;
  }
}

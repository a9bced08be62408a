import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { AccountLimiter } from '../rate-limit/account-limiter';
import type { UserCredentials } from './user.entity';
import { UnknownAccountService } from './unknown-account.service';
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
    private readonly unknownAccount: UnknownAccountService,
  ) {}

  /** True when the account has no password (a provider sign-in made it and none was set since). */
  async hasNoPassword(userId: string): Promise<boolean> {
    const credentials = await this.users.findCredentials({ id: userId });
    return credentials !== undefined && credentials.passwordHash === null;
  }

  /** The account's current credentials version (undefined: no such account). */
  async credentialsVersion(userId: string): Promise<number | undefined> {
    return (await this.users.findCredentials({ id: userId }))?.credentialsVersion;
  }

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
    // No password on the account (a provider sign-in made it): the dummy comparison, then the same 401.
    const right = credentials.passwordHash
      ? await this.hasher.verify(password, credentials.passwordHash)
      : await this.unknownAccount.verify(password);
    if (!right) {
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

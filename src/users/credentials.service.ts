import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PasswordHasher } from '../crypto/password-hasher.service';
import type { UserCredentials } from './user.entity';
import { UserRepository } from './user.repository';

export const WRONG_PASSWORD = 'Password is incorrect';

/** Re-authentication: a signed-in user proves again that they know the password. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** The caller's account and hash when `password` is theirs; a 401 with `message` otherwise. */
  async confirmPassword(
    userId: string,
    password: string,
    message = WRONG_PASSWORD,
  ): Promise<UserCredentials> {
    const credentials = await this.users.findCredentials({ id: userId });
    if (!credentials || !(await this.hasher.verify(password, credentials.passwordHash))) {
      throw new UnauthorizedException(message);
    }
    return credentials;
  }
}

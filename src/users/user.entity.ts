import type { UserAccount } from '../common/auth/principal';

/** A row of `users` as the service reads it (the schema lives in migrations/). */
export type User = UserAccount;

/** What login and re-authentication read: the account, its password hash and credentials version. */
export interface UserCredentials {
  user: User;
  passwordHash: string;
  /** Bumped by every password change or reset and by deactivation; sessions carry the one they began with. */
  credentialsVersion: number;
}

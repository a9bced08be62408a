import type { UserAccount } from '../common/auth/principal';

/** A row of `users` as the service reads it (the schema lives in migrations/). */
export type User = UserAccount;

/** What login and re-authentication read: the account and its password hash. */
export interface UserCredentials {
  user: User;
  passwordHash: string;
}

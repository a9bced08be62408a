import type { Role } from './role';

/**
 * An account as the service reads it (table `users`). Defined here, below every feature, because the
 * session check (sessions/) reads it for the guard and users/ serves it: both name this one shape.
 * Never the password hash or the encrypted fields: only dedicated repository reads return those.
 */
export interface UserAccount {
  id: string;
  /** Trimmed, NFKC-normalised and lower-cased before it is stored (a CHECK constraint insists). */
  email: string;
  username: string;
  role: Role;
  isActive: boolean;
  /** The owner proved they receive mail at `email` (always true for accounts older than verification). */
  emailVerified: boolean;
  /** A second factor (TOTP or a passkey) is confirmed for the account. */
  mfaEnabled: boolean;
  /** 'YYYY-MM-DD'; null only for operator-created admins. */
  birthDate: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who the caller is, worked out once by the JwtAuthGuard from the token and one database read. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  sessionId: string;
  /** How the session's login was authenticated (RFC 8176: `pwd`, `otp`, `hwk`, `user`, …). */
  amr: string[];
  /** Read with the session check, so GET /users/me needs no second query. */
  account: UserAccount;
  /** The presented access token's `exp` and `auth_time` (epoch seconds), set by the JwtStrategy. */
  token?: { exp: number; authTime: number | null };
}

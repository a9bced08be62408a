import type { AuthenticatedUser } from '../../src/common/auth/principal';
import type { ClientContext } from '../../src/common/http/client-context';
import type { MailAllowance } from '../../src/rate-limit/mail-quota';
import type { Rotation } from '../../src/sessions/sessions.service';
import type { User, UserCredentials } from '../../src/users/user.entity';

/**
 * The fixtures unit specs share, written once. Fixed ids and dates so a failure reads the same on
 * every run; a fresh object per call so no spec can change another's. Each takes overrides for the
 * one field a test is about, which keeps that field visible in the test itself.
 */

export const USER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
export const SESSION_ID = '0b9f3c1e-2d4a-4b6c-8d0e-1f2a3b4c5d6e';
const CREATED_AT = '2026-01-01T00:00:00.000Z';

/** An active, verified account without a second factor. */
export function aUser(overrides: Partial<User> = {}): User {
  return {
    id: USER_ID,
    email: 'ada@example.org',
    username: 'ada',
    role: 'user',
    isActive: true,
    emailVerified: true,
    mfaEnabled: false,
    birthDate: '1990-01-01',
    createdAt: new Date(CREATED_AT),
    updatedAt: new Date(CREATED_AT),
    ...overrides,
  };
}

/** The caller of a request, signed in with a password; `account` defaults to `aUser` with its id and role. */
export function anAuthenticatedUser(
  overrides: Partial<Omit<AuthenticatedUser, 'account'>> & { account?: Partial<User> } = {},
): AuthenticatedUser {
  const { account, ...rest } = overrides;
  const user = aUser({
    ...(rest.id === undefined ? {} : { id: rest.id }),
    ...(rest.role === undefined ? {} : { role: rest.role }),
    ...account,
  });
  return {
    id: user.id,
    role: user.role,
    sessionId: SESSION_ID,
    amr: ['pwd'],
    ...rest,
    account: user,
  };
}

/** Where a unit spec's request comes from. */
export function aClient(overrides: Partial<ClientContext> = {}): ClientContext {
  return {
    ip: '203.0.113.5',
    userAgent: 'unit',
    requestId: 'req-unit',
    route: 'POST /api/test',
    ...overrides,
  };
}

/** What a credentials read returns: `aUser`, a stored bcrypt hash and credentials version 7. */
export function someCredentials(overrides: Partial<UserCredentials> = {}): UserCredentials {
  return { user: aUser(), passwordHash: '$2b$12$stored', credentialsVersion: 7, ...overrides };
}

/** A freshly opened or rotated session of `aUser`, signed in with a password. */
export function aRotation(overrides: Partial<Rotation> = {}): Rotation {
  return {
    userId: USER_ID,
    sessionId: 's-1',
    refreshToken: 'r-1',
    amr: ['pwd'],
    authTime: 1_800_000_000,
    lifetimeSeconds: 3 * 86_400,
    ...overrides,
  };
}

/** The mail quota's answer: allowed unless a test says otherwise. */
export function aMailAllowance(overrides: Partial<MailAllowance> = {}): MailAllowance {
  return { allowed: true, limit: 3, retryAfterSeconds: 1, ...overrides };
}

import { UnauthorizedException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StepUp } from '../common/auth/step-up';
import { client, fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { Transactions } from '../database/transactions';
import { AccountLimiter } from '../rate-limit/account-limiter';
import { SessionsService } from '../sessions/sessions.service';
import { UnknownAccountService } from '../users/unknown-account.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { MfaLoginService } from '../mfa/mfa-login.service';
import { AuthService, INVALID_CREDENTIALS } from './auth.service';
import { SigninChecksService } from './lifecycle/signin-checks.service';
import { SignInService } from './sign-in.service';
import { TokensService } from './tokens.service';

const user: User = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  email: 'ada@example.org',
  username: 'ada',
  role: 'user',
  isActive: true,
  emailVerified: true,
  mfaEnabled: false,
  birthDate: '1990-01-01',
  createdAt: new Date(),
  updatedAt: new Date(),
};
const dto = { email: user.email, password: 'Right-Password-42!' };

describe('AuthService', () => {
  let auth: AuthService;
  const tx = fakeTransactions();
  const order: string[] = [];
  const users = { findCredentials: jest.fn(), rehashPassword: jest.fn() };
  const hasher = { verify: jest.fn(), needsRehash: jest.fn(), hash: jest.fn() };
  const unknownAccount = { verify: jest.fn() };
  const sessions = { open: jest.fn(), rotate: jest.fn(), revoke: jest.fn() };
  const tokens = { pair: jest.fn() };
  const audit = { record: jest.fn() };
  const limiter = { reserve: jest.fn(), forgive: jest.fn() };
  const signin = { assertMaySignIn: jest.fn(), signedIn: jest.fn() };

  const mfaLogin = { challengeFor: jest.fn() };
  const stepUp = { forSensitiveOperation: jest.fn(), forCredentialChange: jest.fn() };

  beforeEach(async () => {
    jest.resetAllMocks();
    mfaLogin.challengeFor.mockResolvedValue(undefined);
    order.length = 0;
    limiter.reserve.mockImplementation(async () => void order.push('reserve'));
    users.findCredentials.mockImplementation(async () => {
      order.push('lookup');
      return { user, passwordHash: '$2b$12$stored', credentialsVersion: 7 };
    });
    hasher.verify.mockImplementation(async () => (order.push('verify'), true));
    hasher.needsRehash.mockReturnValue(false);
    sessions.open.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return { userId: user.id, sessionId: 's-1', refreshToken: 'r-1' };
    });
    tokens.pair.mockResolvedValue({ accessToken: 'a', refreshToken: 'r-1' });
    const module = await Test.createTestingModule({
      providers: [
        AuthService,
        SignInService, // the real one: the session it opens is what these tests check
        { provide: UsersService, useValue: users },
        { provide: PasswordHasher, useValue: hasher },
        { provide: SessionsService, useValue: sessions },
        { provide: TokensService, useValue: tokens },
        { provide: AuditService, useValue: audit },
        { provide: AccountLimiter, useValue: limiter },
        { provide: UnknownAccountService, useValue: unknownAccount },
        { provide: Transactions, useValue: tx },
        { provide: SigninChecksService, useValue: signin },
        { provide: MfaLoginService, useValue: mfaLogin },
        { provide: StepUp, useValue: stepUp },
      ],
    }).compile();
    auth = module.get(AuthService);
  });

  it('counts the attempt against the account before looking up or checking the password', async () => {
    await auth.login(dto, client);
    expect(order).toEqual(['reserve', 'lookup', 'verify']);
  });

  it('never checks a password once the account limit refuses', async () => {
    limiter.reserve.mockRejectedValue(
      new RateLimitExceededException('Too many', { limit: 5, retryAfterSeconds: 60 }),
    );
    await expect(auth.login(dto, client)).rejects.toBeInstanceOf(RateLimitExceededException);
    expect(users.findCredentials).not.toHaveBeenCalled();
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it.each([
    ['unknown_email', () => users.findCredentials.mockResolvedValue(undefined)],
    ['wrong_password', () => hasher.verify.mockResolvedValue(false)],
    [
      'inactive',
      () =>
        users.findCredentials.mockResolvedValue({
          user: { ...user, isActive: false },
          passwordHash: 'h',
        }),
    ],
  ])(
    'fails %s with the one message, audited, without forgiving the count',
    async (reason, setUp) => {
      setUp();
      const error = await auth.login(dto, client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnauthorizedException);
      expect((error as Error).message).toBe(INVALID_CREDENTIALS);
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'auth.login.failure', metadata: { reason } }),
      );
      expect(limiter.forgive).not.toHaveBeenCalled();
      expect(sessions.open).not.toHaveBeenCalled();
    },
  );

  it('burns a dummy comparison for an unknown email, so timing does not tell', async () => {
    users.findCredentials.mockResolvedValue(undefined);
    await expect(auth.login(dto, client)).rejects.toThrow(INVALID_CREDENTIALS);
    expect(unknownAccount.verify).toHaveBeenCalledWith(dto.password);
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it('on success forgives the account count, opens a session in a transaction and audits it', async () => {
    await expect(auth.login(dto, client)).resolves.toEqual({
      accessToken: 'a',
      refreshToken: 'r-1',
    });
    expect(limiter.forgive).toHaveBeenCalledWith(dto.email, client);
    expect(sessions.open).toHaveBeenCalledWith(user.id, 7, ['pwd'], client);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.login.success',
        metadata: { sessionId: 's-1', amr: ['pwd'], rehashed: false },
      }),
    );
    expect(signin.signedIn).toHaveBeenCalledWith(user, client);
    expect(users.rehashPassword).not.toHaveBeenCalled();
  });

  it('gives no tokens when the credentials changed between the check and the session (a racing password change)', async () => {
    sessions.open.mockResolvedValue(undefined);
    await expect(auth.login(dto, client)).rejects.toThrow(INVALID_CREDENTIALS);
    expect(tokens.pair).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.login.failure',
        metadata: { reason: 'credentials_changed' },
      }),
    );
  });

  it('rehashes the password with the new cost, for the version it checked, when BCRYPT_ROUNDS changed', async () => {
    hasher.needsRehash.mockReturnValue(true);
    hasher.hash.mockResolvedValue('$2b$13$fresh');
    users.rehashPassword.mockImplementation(async () => void order.push('rehash'));
    sessions.open.mockImplementation(async () => {
      order.push('session');
      return { userId: user.id, sessionId: 's-1', refreshToken: 'r-1' };
    });
    await auth.login(dto, client);
    expect(hasher.hash).toHaveBeenCalledWith(dto.password);
    expect(users.rehashPassword).toHaveBeenCalledWith(user.id, '$2b$13$fresh', 7);
    expect(order.slice(-2)).toEqual(['rehash', 'session']);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: { sessionId: 's-1', amr: ['pwd'], rehashed: true } }),
    );
  });

  it('with a second factor on, answers the MFA challenge and opens no session', async () => {
    const challenge = { mfaRequired: true, mfaToken: 'm-1', methods: ['totp'] };
    mfaLogin.challengeFor.mockResolvedValue(challenge);
    await expect(auth.login(dto, client)).resolves.toBe(challenge);
    expect(mfaLogin.challengeFor).toHaveBeenCalledWith(
      expect.objectContaining({ user, credentialsVersion: 7 }),
    );
    expect(limiter.forgive).toHaveBeenCalled();
    expect(sessions.open).not.toHaveBeenCalled();
    expect(tokens.pair).not.toHaveBeenCalled();
  });

  it('upgrades a stale hash before answering the MFA challenge too', async () => {
    hasher.needsRehash.mockReturnValue(true);
    hasher.hash.mockResolvedValue('$2b$13$fresh');
    mfaLogin.challengeFor.mockResolvedValue({ mfaRequired: true, mfaToken: 'm-1', methods: [] });
    await auth.login(dto, client);
    expect(users.rehashPassword).toHaveBeenCalledWith(user.id, '$2b$13$fresh', 7);
    expect(sessions.open).not.toHaveBeenCalled();
  });

  it('never asks for a second factor when the password is wrong', async () => {
    hasher.verify.mockResolvedValue(false);
    await expect(auth.login(dto, client)).rejects.toThrow(INVALID_CREDENTIALS);
    expect(mfaLogin.challengeFor).not.toHaveBeenCalled();
  });

  it('refuses a refresh without any token before touching sessions', async () => {
    await expect(auth.refresh(undefined, client)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(sessions.rotate).not.toHaveBeenCalled();
  });
});

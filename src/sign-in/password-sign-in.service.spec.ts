import { UnauthorizedException } from '@nestjs/common';
import { aClient, aRotation, aUser, someCredentials } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { AccountLimiter } from '../rate-limit/account-limiter';
import { SessionsService } from '../sessions/sessions.service';
import { UnknownAccountService } from '../users/unknown-account.service';
import { UserRepository } from '../users/user.repository';
import { type MfaChallenge, SecondStepService } from './second-step.service';
import { PasswordSignInService } from './password-sign-in.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import type { TokenPair } from '../auth/dto/token-pair.dto';
import { SignInChecksService } from './sign-in-checks.service';
import { SignInService } from './sign-in.service';
import { TokensService } from '../auth/tokens.service';

const user = aUser();
const client = aClient();
const dto = { email: user.email, password: 'Right-Password-42!' };

describe('PasswordSignInService', () => {
  let passwordStep: PasswordSignInService;
  let tx: ReturnType<typeof fakeTransactions>;
  const order: string[] = [];
  let users: jest.Mocked<UserRepository>;
  let hasher: jest.Mocked<PasswordHasher>;
  let unknownAccount: jest.Mocked<UnknownAccountService>;
  let sessions: jest.Mocked<SessionsService>;
  let tokens: jest.Mocked<TokensService>;
  let audit: jest.Mocked<AuditService>;
  let limiter: jest.Mocked<AccountLimiter>;
  let checks: jest.Mocked<SignInChecksService>;
  let secondStep: jest.Mocked<SecondStepService>;

  beforeEach(async () => {
    let mocks: Mocks;
    // The real SignInService: the session it opens is what these tests check.
    ({
      sut: passwordStep,
      mocks,
      transactions: tx,
    } = await newTestService(PasswordSignInService, {
      real: [SignInService],
    }));
    users = mocks.get(UserRepository);
    hasher = mocks.get(PasswordHasher);
    unknownAccount = mocks.get(UnknownAccountService);
    sessions = mocks.get(SessionsService);
    tokens = mocks.get(TokensService);
    audit = mocks.get(AuditService);
    limiter = mocks.get(AccountLimiter);
    checks = mocks.get(SignInChecksService);
    secondStep = mocks.get(SecondStepService);
    secondStep.challengeFor.mockResolvedValue(undefined);
    order.length = 0;
    limiter.reserve.mockImplementation(async () => void order.push('reserve'));
    users.findCredentials.mockImplementation(async () => {
      order.push('lookup');
      return someCredentials({ user });
    });
    hasher.verify.mockImplementation(async () => (order.push('verify'), true));
    hasher.needsRehash.mockReturnValue(false);
    sessions.open.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return aRotation({ userId: user.id, lifetimeSeconds: 600 });
    });
    // Only the fields the tests compare: the sign-in hands the pair on as it is.
    tokens.pair.mockResolvedValue({ accessToken: 'a', refreshToken: 'r-1' } as TokenPair);
  });

  it('counts the attempt against the account before looking up or checking the password', async () => {
    await passwordStep.start(dto, client);
    expect(order).toEqual(['reserve', 'lookup', 'verify']);
  });

  it('never checks a password once the account limit refuses', async () => {
    limiter.reserve.mockRejectedValue(
      new RateLimitExceededException('Too many', { limit: 5, retryAfterSeconds: 60 }),
    );
    await expect(passwordStep.start(dto, client)).rejects.toBeInstanceOf(
      RateLimitExceededException,
    );
    expect(users.findCredentials).not.toHaveBeenCalled();
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it.each([
    ['unknown_email', () => users.findCredentials.mockResolvedValue(undefined)],
    ['wrong_password', () => hasher.verify.mockResolvedValue(false)],
    [
      'inactive',
      () =>
        users.findCredentials.mockResolvedValue(
          someCredentials({ user: aUser({ isActive: false }), passwordHash: 'h' }),
        ),
    ],
  ])(
    'fails %s with the one message, audited, without forgiving the count',
    async (reason, setUp) => {
      setUp();
      const error = await passwordStep.start(dto, client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnauthorizedException);
      expect((error as Error).message).toBe(SIGN_IN_ERRORS.INVALID_CREDENTIALS);
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'auth.login.failure', metadata: { reason } }),
      );
      expect(limiter.forgive).not.toHaveBeenCalled();
      expect(sessions.open).not.toHaveBeenCalled();
    },
  );

  it('burns a dummy comparison for an unknown email, so timing does not tell', async () => {
    users.findCredentials.mockResolvedValue(undefined);
    await expect(passwordStep.start(dto, client)).rejects.toThrow(
      SIGN_IN_ERRORS.INVALID_CREDENTIALS,
    );
    expect(unknownAccount.verify).toHaveBeenCalledWith(dto.password);
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it('on success forgives the account count, opens a session in a transaction and audits it', async () => {
    await expect(passwordStep.start(dto, client)).resolves.toEqual({
      pair: { accessToken: 'a', refreshToken: 'r-1' },
      cookieMaxAge: 600,
    });
    expect(limiter.forgive).toHaveBeenCalledWith(dto.email, client);
    expect(sessions.open).toHaveBeenCalledWith(user.id, 7, ['pwd'], client, null);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.login.success',
        metadata: { sessionId: 's-1', amr: ['pwd'], rehashed: false },
      }),
    );
    expect(checks.signedIn).toHaveBeenCalledWith(user, client);
    expect(users.rehashPassword).not.toHaveBeenCalled();
  });

  it('gives no tokens and audits credentials_changed when the session store opens no session for the checked version', async () => {
    sessions.open.mockResolvedValue(undefined);
    await expect(passwordStep.start(dto, client)).rejects.toThrow(
      SIGN_IN_ERRORS.INVALID_CREDENTIALS,
    );
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
      return aRotation({ userId: user.id });
    });
    await passwordStep.start(dto, client);
    expect(hasher.hash).toHaveBeenCalledWith(dto.password);
    expect(users.rehashPassword).toHaveBeenCalledWith(user.id, '$2b$13$fresh', 7);
    expect(order.slice(-2)).toEqual(['rehash', 'session']);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: { sessionId: 's-1', amr: ['pwd'], rehashed: true } }),
    );
  });

  it('with a second factor on, answers the MFA challenge and opens no session', async () => {
    const challenge: MfaChallenge = { mfaRequired: true, mfaToken: 'm-1', methods: ['totp'] };
    secondStep.challengeFor.mockResolvedValue(challenge);
    await expect(passwordStep.start(dto, client)).resolves.toBe(challenge);
    expect(secondStep.challengeFor).toHaveBeenCalledWith(
      expect.objectContaining({ user, credentialsVersion: 7 }),
    );
    expect(limiter.forgive).toHaveBeenCalled();
    expect(sessions.open).not.toHaveBeenCalled();
    expect(tokens.pair).not.toHaveBeenCalled();
  });

  it('upgrades a stale hash before answering the MFA challenge too', async () => {
    hasher.needsRehash.mockReturnValue(true);
    hasher.hash.mockResolvedValue('$2b$13$fresh');
    secondStep.challengeFor.mockResolvedValue({ mfaRequired: true, mfaToken: 'm-1', methods: [] });
    await passwordStep.start(dto, client);
    expect(users.rehashPassword).toHaveBeenCalledWith(user.id, '$2b$13$fresh', 7);
    expect(sessions.open).not.toHaveBeenCalled();
  });

  it('never asks for a second factor when the password is wrong', async () => {
    hasher.verify.mockResolvedValue(false);
    await expect(passwordStep.start(dto, client)).rejects.toThrow(
      SIGN_IN_ERRORS.INVALID_CREDENTIALS,
    );
    expect(secondStep.challengeFor).not.toHaveBeenCalled();
  });
});

describe('SignInService', () => {
  it('refuses a refresh without any token before touching sessions', async () => {
    const { sut: signIn, mocks } = await newTestService(SignInService);
    await expect(signIn.refresh(undefined, client)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(mocks.get(SessionsService).rotate).not.toHaveBeenCalled();
  });
});

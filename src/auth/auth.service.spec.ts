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
import { UsersService } from '../users/users.service';
import { type MfaChallenge, MfaLoginService } from '../mfa/mfa-login.service';
import { AuthService, INVALID_CREDENTIALS } from './auth.service';
import type { TokenPair } from './dto/token-pair.dto';
import { SigninChecksService } from './lifecycle/signin-checks.service';
import { SignInService } from './sign-in.service';
import { TokensService } from './tokens.service';

const user = aUser();
const client = aClient();
const dto = { email: user.email, password: 'Right-Password-42!' };

describe('AuthService', () => {
  let auth: AuthService;
  let tx: ReturnType<typeof fakeTransactions>;
  const order: string[] = [];
  let users: jest.Mocked<UsersService>;
  let hasher: jest.Mocked<PasswordHasher>;
  let unknownAccount: jest.Mocked<UnknownAccountService>;
  let sessions: jest.Mocked<SessionsService>;
  let tokens: jest.Mocked<TokensService>;
  let audit: jest.Mocked<AuditService>;
  let limiter: jest.Mocked<AccountLimiter>;
  let signin: jest.Mocked<SigninChecksService>;
  let mfaLogin: jest.Mocked<MfaLoginService>;

  beforeEach(async () => {
    let mocks: Mocks;
    // The real SignInService: the session it opens is what these tests check.
    ({
      sut: auth,
      mocks,
      transactions: tx,
    } = await newTestService(AuthService, {
      real: [SignInService],
    }));
    users = mocks.get(UsersService);
    hasher = mocks.get(PasswordHasher);
    unknownAccount = mocks.get(UnknownAccountService);
    sessions = mocks.get(SessionsService);
    tokens = mocks.get(TokensService);
    audit = mocks.get(AuditService);
    limiter = mocks.get(AccountLimiter);
    signin = mocks.get(SigninChecksService);
    mfaLogin = mocks.get(MfaLoginService);
    mfaLogin.challengeFor.mockResolvedValue(undefined);
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
      return aRotation({ userId: user.id });
    });
    // Only the fields the tests compare: login hands the pair on as it is.
    tokens.pair.mockResolvedValue({ accessToken: 'a', refreshToken: 'r-1' } as TokenPair);
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
        users.findCredentials.mockResolvedValue(
          someCredentials({ user: aUser({ isActive: false }), passwordHash: 'h' }),
        ),
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
      return aRotation({ userId: user.id });
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
    const challenge: MfaChallenge = { mfaRequired: true, mfaToken: 'm-1', methods: ['totp'] };
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

import { UnauthorizedException } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { aClient, aUser, someCredentials } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { SecondFactor } from '../common/auth/second-factor';
import { UserRepository } from '../users/user.repository';
import { PasskeySignInService } from './passkey-sign-in.service';
import { SecondStepService } from './second-step.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import { SignInService } from './sign-in.service';

const USER_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const pending = {
  userId: USER_ID,
  credentialsVersion: 1,
  firstFactor: 'pwd' as const,
  identityId: null,
};
const client = aClient();
const assertion = { id: 'credential-1' } as AuthenticationResponseJSON;

// What a passkey sign-in does with the SecondFactor port's answers (the assertions themselves are
// verified in mfa/, src/mfa/second-factor-passkeys.spec.ts).
describe('PasskeySignInService', () => {
  let service: PasskeySignInService;
  let tx: ReturnType<typeof fakeTransactions>;
  let secondFactor: jest.Mocked<SecondFactor>;
  let secondStep: jest.Mocked<SecondStepService>;
  let users: jest.Mocked<UserRepository>;
  let audit: jest.Mocked<AuditService>;
  let signIn: jest.Mocked<SignInService>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: service, mocks, transactions: tx } = await newTestService(PasskeySignInService));
    secondFactor = mocks.get(SecondFactor);
    secondStep = mocks.get(SecondStepService);
    users = mocks.get(UserRepository);
    audit = mocks.get(AuditService);
    signIn = mocks.get(SignInService);
    secondFactor.passkeyOwner.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return { userId: USER_ID, verified: true };
    });
    users.findCredentials.mockResolvedValue(
      someCredentials({ user: aUser({ id: USER_ID }), credentialsVersion: 1 }),
    );
    // The real completeWith's contract: `check` saying no is a wrong second factor.
    secondStep.completeWith.mockImplementation(
      async (
        _token: string,
        _kind: string,
        _client: unknown,
        check: (p: typeof pending) => Promise<unknown>,
      ) => {
        const result = await tx.run(() => check(pending));
        if (result === undefined)
          throw new UnauthorizedException(SIGN_IN_ERRORS.WRONG_SECOND_FACTOR);
        return { pending, result };
      },
    );
  });

  it('signs in passwordless with the verified owner, in one transaction with the check', async () => {
    await service.verify(undefined, assertion, client);
    expect(users.findCredentials).toHaveBeenCalledWith({ id: USER_ID });
    expect(signIn.open).toHaveBeenCalledWith(
      { userId: USER_ID, credentialsVersion: 1, amr: ['hwk', 'user'] },
      client,
    );
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a passwordless assertion that did not verify, as a failed sign-in of its owner', async () => {
    secondFactor.passkeyOwner.mockResolvedValue({ userId: USER_ID, verified: false });
    await expect(service.verify(undefined, assertion, client)).rejects.toThrow(
      SIGN_IN_ERRORS.PASSKEY_REFUSED,
    );
    expect(users.findCredentials).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.login.failure', userId: USER_ID }),
    );
    expect(signIn.open).not.toHaveBeenCalled();
  });

  it('refuses an unknown credential without naming anyone', async () => {
    secondFactor.passkeyOwner.mockResolvedValue(undefined);
    await expect(service.verify(undefined, assertion, client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a passwordless sign-in of a deactivated account', async () => {
    users.findCredentials.mockResolvedValue(
      someCredentials({ user: aUser({ id: USER_ID, isActive: false }) }),
    );
    await expect(service.verify(undefined, assertion, client)).rejects.toThrow(
      SIGN_IN_ERRORS.PASSKEY_REFUSED,
    );
    expect(signIn.open).not.toHaveBeenCalled();
  });

  it('answers the second step’s check with no when the passkey is not one of the account’s (a wrong factor)', async () => {
    secondFactor.matchPasskey.mockResolvedValue(false);
    await expect(service.verify('mfa-token', assertion, client)).rejects.toThrow(
      SIGN_IN_ERRORS.WRONG_SECOND_FACTOR,
    );
    expect(secondStep.completeWith).toHaveBeenCalledWith(
      'mfa-token',
      'passkey',
      client,
      expect.any(Function),
    );
    expect(secondFactor.matchPasskey).toHaveBeenCalledWith(USER_ID, assertion, 'second_factor');
  });

  it('completes the second step when the passkey verifies', async () => {
    secondFactor.matchPasskey.mockResolvedValue(true);
    await service.verify('mfa-token', assertion, client);
    expect(signIn.open).toHaveBeenCalledWith(
      { userId: USER_ID, credentialsVersion: 1, amr: ['pwd', 'hwk'], identityId: null },
      client,
    );
  });
});

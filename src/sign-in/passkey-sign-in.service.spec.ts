import { UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { SecondFactor } from '../common/auth/second-factor';
import { Transactions } from '../database/transactions';
import { SecondFactorService } from '../mfa/second-factor.service';
import { UserRepository } from '../users/user.repository';
import { SoftAuthenticator } from '../../test/support/soft-authenticator';
import { aClient, aUser, someCredentials } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { SecondStepService } from './second-step.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import { SignInService } from './sign-in.service';
import { PasskeyAssertions } from '../mfa/passkeys/passkey-assertions';
import { PasskeySignInService } from './passkey-sign-in.service';
import { PasskeyRepository, type PasskeyRow } from '../mfa/passkeys/passkey.repository';
import { RelyingParty, userHandleOf } from '../mfa/passkeys/relying-party';
import { WebauthnChallengeRepository } from '../mfa/passkeys/webauthn-challenge.repository';

const ORIGIN = 'http://localhost:5173';
const USER_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const pending = { userId: USER_ID, credentialsVersion: 1 };
const client = aClient();

// Real assertions (signed by the soft authenticator, verified by the library) through the real
// SecondFactor (mfa/) against mocked tables: what a sign-in does with the answer of the conditional
// counter write.
describe('PasskeySignInService', () => {
  let service: PasskeySignInService;
  let authenticator: SoftAuthenticator;
  let row: PasskeyRow;
  let tx: ReturnType<typeof fakeTransactions>;
  let passkeys: jest.Mocked<PasskeyRepository>;
  let challenges: jest.Mocked<WebauthnChallengeRepository>;
  let secondStep: jest.Mocked<SecondStepService>;
  let users: jest.Mocked<UserRepository>;
  let signIn: jest.Mocked<SignInService>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    // The real PasskeyAssertions: the library verifies what the soft authenticator signed.
    const factors = await newTestService(SecondFactorService, {
      real: [PasskeyAssertions],
      overrides: [
        { provide: RelyingParty, useValue: { id: 'localhost', name: 'unit', origins: [ORIGIN] } },
      ],
    });
    tx = factors.transactions;
    ({ sut: service, mocks } = await newTestService(PasskeySignInService, {
      overrides: [
        { provide: SecondFactor, useValue: factors.sut },
        { provide: Transactions, useValue: tx },
      ],
    }));
    passkeys = factors.mocks.get(PasskeyRepository);
    challenges = factors.mocks.get(WebauthnChallengeRepository);
    secondStep = mocks.get(SecondStepService);
    users = mocks.get(UserRepository);
    audit = mocks.get(AuditService);
    signIn = mocks.get(SignInService);
    authenticator = new SoftAuthenticator();
    authenticator.register(
      {
        rp: { id: 'localhost', name: 'unit' },
        user: { id: userHandleOf(USER_ID).toString('base64url'), name: 'ada', displayName: 'Ada' },
        challenge: 'cmVnaXN0cmF0aW9u',
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required' },
      },
      ORIGIN,
    );
    const [credential] = authenticator.credentials;
    credential.counter = 7;
    row = {
      id: '0b9f3c1e-2d4a-4b6c-8d0e-1f2a3b4c5d6e',
      userId: USER_ID,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey),
      counter: 7,
      transports: ['internal'],
      backupEligible: false,
      backedUp: false,
      name: null,
      createdAt: new Date(),
      lastUsedAt: null,
    };
    passkeys.findByCredentialId.mockResolvedValue(row);
    passkeys.recordUse.mockImplementation(async () => tx.inTransaction());
    challenges.consume.mockResolvedValue(true);
    users.findCredentials.mockResolvedValue(
      someCredentials({ user: aUser({ id: USER_ID }), credentialsVersion: 1 }),
    );
    // The real completeWith's contract: `verify` saying no is a wrong second factor.
    secondStep.completeWith.mockImplementation(
      async (
        _token: string,
        _kind: string,
        _client: unknown,
        verify: (p: typeof pending) => Promise<unknown>,
      ) => {
        const result = await tx.run(() => verify(pending));
        if (result === undefined)
          throw new UnauthorizedException(SIGN_IN_ERRORS.WRONG_SECOND_FACTOR);
        return { pending, result };
      },
    );
  });

  const assertion = (counter?: number) =>
    authenticator.assert({ challenge: 'c2lnbi1pbg', rpId: 'localhost' }, ORIGIN, { counter });

  it('records the presented counter inside the sign-in transaction and signs in when it lands', async () => {
    await service.verify(undefined, assertion(8), client);
    expect(signIn.open).toHaveBeenCalledWith(
      expect.objectContaining({ userId: USER_ID, amr: ['hwk', 'user'] }),
      client,
    );
    expect(passkeys.recordUse).toHaveBeenCalledWith(row.id, 8, false);
    await expect(passkeys.recordUse.mock.results[0].value).resolves.toBe(true);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a passwordless sign-in whose counter lost to a concurrent one, as a failed sign-in', async () => {
    passkeys.recordUse.mockResolvedValue(false);
    await expect(service.verify(undefined, assertion(8), client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(passkeys.recordUse).toHaveBeenCalledWith(row.id, 8, false);
    expect(users.findCredentials).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.login.failure', userId: USER_ID }),
    );
  });

  it('answers the sign-in check with no for a second step whose counter lost (a wrong factor)', async () => {
    passkeys.recordUse.mockResolvedValue(false);
    await expect(service.verify('mfa-token', assertion(8), client)).rejects.toThrow(
      SIGN_IN_ERRORS.WRONG_SECOND_FACTOR,
    );
    expect(secondStep.completeWith).toHaveBeenCalledWith(
      'mfa-token',
      'passkey',
      client,
      expect.any(Function),
    );
  });

  it('completes the second step when the counter lands', async () => {
    await service.verify('mfa-token', assertion(9), client);
    expect(signIn.open).toHaveBeenCalledWith(
      expect.objectContaining({ userId: USER_ID, amr: ['pwd', 'hwk'] }),
      client,
    );
    expect(passkeys.recordUse).toHaveBeenCalledWith(row.id, 9, false);
  });

  it('never writes a counter the stored one already reached', async () => {
    await expect(service.verify(undefined, assertion(7), client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(passkeys.recordUse).not.toHaveBeenCalled();
  });
});

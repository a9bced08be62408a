import { SoftAuthenticator } from '../../test/support/soft-authenticator';
import { newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { PasskeyRepository, type PasskeyRow } from './passkeys/passkey.repository';
import { RelyingParty, userHandleOf } from './passkeys/relying-party';
import { WebauthnChallengeRepository } from './passkeys/webauthn-challenge.repository';
import { SecondFactorService } from './second-factor.service';

const ORIGIN = 'http://localhost:5173';
const USER_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

// Real assertions (signed by the soft authenticator, verified by the library) against mocked
// tables: what the SecondFactor port answers sign-in with, given the conditional counter write.
describe('SecondFactorService passkey assertions', () => {
  let service: SecondFactorService;
  let authenticator: SoftAuthenticator;
  let row: PasskeyRow;
  let tx: ReturnType<typeof fakeTransactions>;
  let passkeys: jest.Mocked<PasskeyRepository>;
  let challenges: jest.Mocked<WebauthnChallengeRepository>;

  beforeEach(async () => {
    // The real PasskeyAssertions: the library verifies what the soft authenticator signed.
    const built = await newTestService(SecondFactorService, {
      real: [PasskeyAssertions],
      overrides: [
        { provide: RelyingParty, useValue: { id: 'localhost', name: 'unit', origins: [ORIGIN] } },
      ],
    });
    service = built.sut;
    tx = built.transactions;
    passkeys = built.mocks.get(PasskeyRepository);
    challenges = built.mocks.get(WebauthnChallengeRepository);
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
  });

  const assertion = (counter?: number) =>
    authenticator.assert({ challenge: 'c2lnbi1pbg', rpId: 'localhost' }, ORIGIN, { counter });

  it('records the presented counter in the caller’s transaction and names the owner of a passwordless assertion', async () => {
    await expect(tx.run(() => service.passkeyOwner(assertion(8)))).resolves.toEqual({
      userId: USER_ID,
      verified: true,
    });
    expect(passkeys.recordUse).toHaveBeenCalledWith(row.id, 8, false);
    await expect(passkeys.recordUse.mock.results[0].value).resolves.toBe(true);
  });

  it('a passwordless assertion does not verify when recording its counter is refused', async () => {
    passkeys.recordUse.mockResolvedValue(false);
    await expect(service.passkeyOwner(assertion(8))).resolves.toEqual({
      userId: USER_ID,
      verified: false,
    });
    expect(passkeys.recordUse).toHaveBeenCalledWith(row.id, 8, false);
  });

  it('an unknown credential has no owner', async () => {
    passkeys.findByCredentialId.mockResolvedValue(undefined);
    await expect(service.passkeyOwner(assertion(8))).resolves.toBeUndefined();
  });

  it('a second step whose counter lost is a wrong factor; one whose counter lands is right', async () => {
    passkeys.recordUse.mockResolvedValueOnce(false);
    await expect(service.matchPasskey(USER_ID, assertion(8), 'second_factor')).resolves.toBe(false);
    await expect(
      tx.run(() => service.matchPasskey(USER_ID, assertion(9), 'second_factor')),
    ).resolves.toBe(true);
    expect(passkeys.recordUse).toHaveBeenLastCalledWith(row.id, 9, false);
  });

  it('never writes a counter the stored one already reached', async () => {
    await expect(service.passkeyOwner(assertion(7))).resolves.toEqual({
      userId: USER_ID,
      verified: false,
    });
    expect(passkeys.recordUse).not.toHaveBeenCalled();
  });
});

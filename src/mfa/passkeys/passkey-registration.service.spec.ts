import { BadRequestException, ConflictException, ForbiddenException } from '@nestjs/common';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { aClient, anAuthenticatedUser } from '../../../test/support/factories';
import { ChallengeTable, PasskeyTable } from '../../../test/support/passkey-tables';
import { SoftAuthenticator } from '../../../test/support/soft-authenticator';
import { type Mocks, newTestService } from '../../../test/support/test-service';
import { AuditService } from '../../audit/audit.service';
import { StepUp, type ProofFields } from '../../common/auth/step-up';
import { sha256Hex } from '../../crypto/digest';
import { MailService } from '../../mail/mail.service';
import { MfaFactorsService } from '../mfa-factors.service';
import {
  CEREMONY_TIMEOUT_MS,
  CHALLENGE_TTL_SECONDS,
  PasskeyRegistrationService,
  REGISTRATION_FAILED,
} from './passkey-registration.service';
import { PasskeyRepository } from './passkey.repository';
import { RelyingParty, userHandleOf } from './relying-party';
import { WebauthnChallengeRepository, type CeremonyPurpose } from './webauthn-challenge.repository';

const RP_ID = 'passkeys.example.org';
const ORIGIN = 'https://app.passkeys.example.org';
const OWNER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const caller = anAuthenticatedUser({ id: OWNER });
const client = aClient();
const proofs: ProofFields = { password: 'correct horse battery staple' };

// Real registrations: the soft authenticator makes the credential, @simplewebauthn/server verifies
// its attestation, and the tables are in memory (test/support/passkey-tables.ts).
describe('PasskeyRegistrationService', () => {
  let registration: PasskeyRegistrationService;
  let challenges: ChallengeTable;
  let passkeys: PasskeyTable;
  let stepUp: jest.Mocked<StepUp>;
  let audit: jest.Mocked<AuditService>;
  let mail: jest.Mocked<MailService>;
  let authenticator: SoftAuthenticator;

  beforeEach(async () => {
    challenges = new ChallengeTable();
    passkeys = new PasskeyTable();
    authenticator = new SoftAuthenticator();
    let mocks: Mocks;
    ({ sut: registration, mocks } = await newTestService(PasskeyRegistrationService, {
      real: [RelyingParty],
      env: {
        WEBAUTHN_RP_ID: RP_ID,
        WEBAUTHN_ORIGINS: [ORIGIN],
        PUBLIC_APP_URL: 'https://app.passkeys.example.org',
      },
      overrides: [
        { provide: PasskeyRepository, useValue: passkeys },
        { provide: WebauthnChallengeRepository, useValue: challenges },
      ],
    }));
    stepUp = mocks.get(StepUp);
    audit = mocks.get(AuditService);
    mail = mocks.get(MailService);
    // MfaFactorsService.change's contract: undefined from the work is no change.
    mocks.get(MfaFactorsService).change.mockImplementation(async (_userId, _keep, work) => {
      const result = await work();
      return result === undefined ? undefined : { result, enabled: true, sessionsEnded: 0 };
    });
  });

  const optionsFor = (userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> =>
    registration.options(anAuthenticatedUser({ id: userId }), proofs, client);

  /** Creation options as the service would send them, for a challenge it never issued. */
  async function optionsWithChallenge(challenge: string) {
    return { ...(await optionsFor(OWNER)), challenge };
  }

  const register = (options: PublicKeyCredentialCreationOptionsJSON, origin = ORIGIN) =>
    registration.register(caller, authenticator.register(options, origin), 'Laptop', client);

  describe('options', () => {
    it('ask for a discoverable credential, prefer user verification and want no attestation, for the configured RP', async () => {
      const options = await optionsFor(OWNER);
      expect(options.rp).toEqual({ id: RP_ID, name: 'secure-nest-foundation' });
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'preferred',
      });
      expect(options.attestation).toBe('none');
      expect(options.timeout).toBe(CEREMONY_TIMEOUT_MS);
    });

    it('name the user by the account id’s 16 bytes, never by the address', async () => {
      const options = await optionsFor(OWNER);
      expect(options.user.id).toBe(userHandleOf(OWNER).toString('base64url'));
      expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(16);
      expect(Buffer.from(options.user.id, 'base64url').toString('latin1')).not.toContain('@');
    });

    it('exclude every passkey the caller already has, and no one else’s', async () => {
      const first = await register(await optionsFor(OWNER));
      const second = await registration.register(
        caller,
        new SoftAuthenticator().register(await optionsFor(OWNER), ORIGIN),
        undefined,
        client,
      );
      const theirs = await registration.register(
        anAuthenticatedUser({ id: OTHER }),
        new SoftAuthenticator().register(await optionsFor(OTHER), ORIGIN),
        undefined,
        client,
      );
      const options = await optionsFor(OWNER);
      expect(options.excludeCredentials?.map((c) => c.id)).toEqual([
        first.credentialId,
        second.credentialId,
      ]);
      expect(options.excludeCredentials?.map((c) => c.id)).not.toContain(theirs.credentialId);
      // An authenticator that holds an excluded credential refuses to make another.
      expect(() => authenticator.register(options, ORIGIN)).toThrow('excluded credential');
    });

    it('store only the SHA-256 of the challenge, for registration by the caller, for CHALLENGE_TTL_SECONDS', async () => {
      const { challenge } = await optionsFor(OWNER);
      expect([...challenges.rows.keys()]).toEqual([sha256Hex(challenge)]);
      expect(challenges.rows.get(sha256Hex(challenge))).toMatchObject({
        purpose: 'registration',
        userId: OWNER,
      });
      expect(challenges.secondsLeft(sha256Hex(challenge))).toBe(CHALLENGE_TTL_SECONDS);
    });

    it('issue no challenge until the step-up for a credential change passes', async () => {
      stepUp.forCredentialChange.mockRejectedValue(new ForbiddenException('step up'));
      await expect(optionsFor(OWNER)).rejects.toThrow('step up');
      expect(stepUp.forCredentialChange).toHaveBeenCalledWith(
        expect.objectContaining({ id: OWNER }),
        proofs,
        client,
      );
      expect(challenges.rows.size).toBe(0);
    });

    it('issue no challenge to an account whose address is not verified', async () => {
      const unverified = anAuthenticatedUser({ id: OWNER, account: { emailVerified: false } });
      await expect(registration.options(unverified, proofs, client)).rejects.toBeInstanceOf(
        ForbiddenException,
      );
      expect(stepUp.forCredentialChange).not.toHaveBeenCalled();
      expect(challenges.rows.size).toBe(0);
    });
  });

  describe('register', () => {
    it('stores the credential made for the caller’s challenge: its key, a counter of 0, transports and name', async () => {
      const stored = await register(await optionsFor(OWNER));
      const [credential] = authenticator.credentials;
      expect(passkeys.rows).toEqual([stored]);
      expect(stored).toMatchObject({
        userId: OWNER,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        counter: 0,
        transports: ['internal'],
        backupEligible: false,
        backedUp: false,
        name: 'Laptop',
      });
      expect(challenges.rows.size).toBe(0);
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'auth.passkey.added', userId: OWNER }),
      );
      expect(mail.notify).toHaveBeenCalledWith(caller.account, 'mfa-enabled', {
        method: 'a passkey',
      });
    });

    it('records a synced passkey as backup eligible and backed up', async () => {
      authenticator = new SoftAuthenticator({ backupEligible: true, backedUp: true });
      await expect(register(await optionsFor(OWNER))).resolves.toMatchObject({
        backupEligible: true,
        backedUp: true,
      });
    });

    it('takes a credential made without user verification (it is preferred, not required)', async () => {
      authenticator = new SoftAuthenticator({ userVerification: false });
      await expect(register(await optionsFor(OWNER))).resolves.toMatchObject({ userId: OWNER });
    });

    /** A refused registration: the uniform 400, and nothing stored. */
    async function expectRefused(registering: Promise<unknown>): Promise<void> {
      await expect(registering).rejects.toThrow(new BadRequestException(REGISTRATION_FAILED));
      expect(passkeys.rows).toEqual([]);
      expect(audit.record).not.toHaveBeenCalled();
      expect(mail.notify).not.toHaveBeenCalled();
    }

    it('refuses a response to a challenge never issued', async () => {
      await expectRefused(
        register(await optionsWithChallenge(Buffer.from('never-issued').toString('base64url'))),
      );
    });

    it('refuses a response to a challenge issued to another account', async () => {
      const theirs = await optionsFor(OTHER);
      await expectRefused(register(theirs));
      expect(challenges.rows.has(sha256Hex(theirs.challenge))).toBe(true);
    });

    it.each<CeremonyPurpose>(['second_factor', 'step_up'])(
      'refuses a response to a challenge issued for %s',
      async (purpose) => {
        const challenge = Buffer.from(`issued-for-${purpose}`).toString('base64url');
        await challenges.create(sha256Hex(challenge), purpose, OWNER, CHALLENGE_TTL_SECONDS);
        await expectRefused(register(await optionsWithChallenge(challenge)));
        expect(challenges.rows.has(sha256Hex(challenge))).toBe(true);
      },
    );

    it('refuses a response to a challenge that expired', async () => {
      const options = await optionsFor(OWNER);
      challenges.advance(CHALLENGE_TTL_SECONDS);
      await expectRefused(register(options));
    });

    it('refuses a second response to a challenge already used', async () => {
      const options = await optionsFor(OWNER);
      await register(options);
      await expect(
        registration.register(
          caller,
          new SoftAuthenticator().register(options, ORIGIN),
          undefined,
          client,
        ),
      ).rejects.toThrow(REGISTRATION_FAILED);
      expect(passkeys.rows).toHaveLength(1);
    });

    it('refuses a credential made on an origin that is not configured', async () => {
      await expectRefused(
        register(await optionsFor(OWNER), 'https://passkeys.example.org.evil.test'),
      );
    });

    it('refuses a credential made for another relying party id', async () => {
      const options = await optionsFor(OWNER);
      await expectRefused(register({ ...options, rp: { ...options.rp, id: 'evil.example.org' } }));
    });

    it('a credential id registered already, to anyone, is a conflict and stays theirs', async () => {
      const response = authenticator.register(await optionsFor(OWNER), ORIGIN);
      await passkeys.insert({
        userId: OTHER,
        credentialId: response.id,
        publicKey: Buffer.from('theirs'),
        counter: 3,
        transports: [],
        backupEligible: false,
        backedUp: false,
        name: null,
      });
      await expect(
        registration.register(caller, response, undefined, client),
      ).rejects.toBeInstanceOf(ConflictException);
      expect(passkeys.rows).toEqual([expect.objectContaining({ userId: OTHER, counter: 3 })]);
    });
  });

  it('removing another account’s passkey is a 404 that leaves it in place', async () => {
    const theirs = await registration.register(
      anAuthenticatedUser({ id: OTHER }),
      authenticator.register(await optionsFor(OTHER), ORIGIN),
      undefined,
      client,
    );
    await expect(registration.remove(caller, theirs.id, proofs, client)).rejects.toThrow(
      'Passkey not found',
    );
    expect(passkeys.rows).toEqual([theirs]);
  });
});

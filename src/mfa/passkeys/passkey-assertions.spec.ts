import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { ChallengeTable, PasskeyTable } from '../../../test/support/passkey-tables';
import {
  SoftAuthenticator,
  type AssertOptions,
  type SoftAuthenticatorOptions,
} from '../../../test/support/soft-authenticator';
import { newTestService } from '../../../test/support/test-service';
import { sha256Hex } from '../../crypto/digest';
import { PasskeyAssertions } from './passkey-assertions';
import { CEREMONY_TIMEOUT_MS, CHALLENGE_TTL_SECONDS } from './passkey-registration.service';
import { PasskeyRepository, type PasskeyRow } from './passkey.repository';
import { RelyingParty, userHandleOf } from './relying-party';
import { WebauthnChallengeRepository, type CeremonyPurpose } from './webauthn-challenge.repository';

const RP_ID = 'passkeys.example.org';
const ORIGIN = 'https://app.passkeys.example.org';
const OWNER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

// Real ceremonies: the soft authenticator signs, @simplewebauthn/server verifies, and the tables
// are in memory (test/support/passkey-tables.ts) so each rule can be watched from both sides.
describe('PasskeyAssertions', () => {
  let assertions: PasskeyAssertions;
  let challenges: ChallengeTable;
  let passkeys: PasskeyTable;

  beforeEach(async () => {
    challenges = new ChallengeTable();
    passkeys = new PasskeyTable();
    ({ sut: assertions } = await newTestService(PasskeyAssertions, {
      real: [RelyingParty],
      env: { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: [ORIGIN] },
      overrides: [
        { provide: PasskeyRepository, useValue: passkeys },
        { provide: WebauthnChallengeRepository, useValue: challenges },
      ],
    }));
  });

  /** A passkey of `userId` on `authenticator`, stored as registration would store it. */
  async function enrol(
    userId: string,
    authenticator = new SoftAuthenticator(),
    rpId = RP_ID,
  ): Promise<{ authenticator: SoftAuthenticator; passkey: PasskeyRow }> {
    const { id } = authenticator.register(
      {
        rp: { id: rpId, name: 'unit' },
        user: { id: userHandleOf(userId).toString('base64url'), name: 'ada', displayName: 'Ada' },
        challenge: 'cmVnaXN0cmF0aW9u',
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required' },
      },
      ORIGIN,
    );
    const credential = authenticator.credential(id);
    const passkey = await passkeys.insert({
      userId,
      credentialId: id,
      publicKey: Buffer.from(credential.publicKey),
      counter: credential.counter,
      transports: ['internal'],
      backupEligible: credential.backupEligible,
      backedUp: credential.backedUp,
      name: null,
    });
    return { authenticator, passkey: passkey! };
  }

  /** The authenticator's answer to `challenge`, with any discoverable credential of the RP. */
  const answer = (
    authenticator: SoftAuthenticator,
    challenge: string,
    chosen: AssertOptions & { origin?: string } = {},
  ): AuthenticationResponseJSON =>
    authenticator.assert({ challenge, rpId: RP_ID }, chosen.origin ?? ORIGIN, chosen);

  /** A challenge stored as the service stores its own, but never sent by it. */
  async function issueDirectly(purpose: CeremonyPurpose, userId: string | null): Promise<string> {
    const challenge = Buffer.from(`${purpose}-${userId}`).toString('base64url');
    await challenges.create(sha256Hex(challenge), purpose, userId, CHALLENGE_TTL_SECONDS);
    return challenge;
  }

  describe('options', () => {
    it('a second step names only the account’s own passkeys and prefers user verification', async () => {
      const own = await enrol(OWNER);
      const second = await enrol(OWNER);
      await enrol(OTHER);
      const options = await assertions.options('second_factor', OWNER);
      expect(options.allowCredentials).toEqual([
        { id: own.passkey.credentialId, type: 'public-key', transports: ['internal'] },
        { id: second.passkey.credentialId, type: 'public-key', transports: ['internal'] },
      ]);
      expect(options.userVerification).toBe('preferred');
      expect(options.rpId).toBe(RP_ID);
      expect(options.timeout).toBe(CEREMONY_TIMEOUT_MS);
    });

    it('a passwordless ceremony names no credential and requires user verification', async () => {
      await enrol(OWNER);
      const options = await assertions.options('passwordless', null);
      expect(options.allowCredentials ?? []).toEqual([]);
      expect(options.userVerification).toBe('required');
      expect(options.rpId).toBe(RP_ID);
    });

    it.each<[CeremonyPurpose, string | null]>([
      ['second_factor', OWNER],
      ['step_up', OWNER],
      ['passwordless', null],
    ])(
      'stores only the SHA-256 of a %s challenge, for that purpose and user, for CHALLENGE_TTL_SECONDS',
      async (purpose, userId) => {
        const { challenge } = await assertions.options(purpose, userId);
        expect([...challenges.rows.keys()]).toEqual([sha256Hex(challenge)]);
        expect(challenges.rows.get(sha256Hex(challenge))).toMatchObject({ purpose, userId });
        expect(challenges.secondsLeft(sha256Hex(challenge))).toBe(CHALLENGE_TTL_SECONDS);
        // The browser's own timeout ends before the stored challenge does.
        expect(CEREMONY_TIMEOUT_MS / 1000).toBeLessThan(CHALLENGE_TTL_SECONDS);
      },
    );

    it('gives every ceremony a fresh challenge of at least 128 bits', async () => {
      const first = await assertions.options('second_factor', OWNER);
      const second = await assertions.options('second_factor', OWNER);
      expect(first.challenge).not.toBe(second.challenge);
      expect(Buffer.from(first.challenge, 'base64url').length).toBeGreaterThanOrEqual(16);
    });
  });

  describe('verification', () => {
    let owner: SoftAuthenticator;
    let passkey: PasskeyRow;
    let issued: PublicKeyCredentialRequestOptionsJSON;

    beforeEach(async () => {
      ({ authenticator: owner, passkey } = await enrol(OWNER));
      issued = await assertions.options('second_factor', OWNER);
    });

    it('accepts an assertion by the owner’s passkey for a challenge issued to them, and spends the challenge', async () => {
      await expect(
        assertions.verifyOwn(OWNER, owner.assert(issued, ORIGIN), 'second_factor'),
      ).resolves.toBe(true);
      expect(challenges.rows.size).toBe(0);
    });

    it('refuses an assertion for a challenge never issued', async () => {
      const invented = Buffer.from('never-issued-challenge').toString('base64url');
      await expect(
        assertions.verifyOwn(OWNER, answer(owner, invented), 'second_factor'),
      ).resolves.toBe(false);
    });

    it('refuses an assertion for a challenge issued to another account', async () => {
      const theirs = await assertions.options('second_factor', OTHER);
      await expect(
        assertions.verifyOwn(OWNER, answer(owner, theirs.challenge), 'second_factor'),
      ).resolves.toBe(false);
      expect(challenges.rows.has(sha256Hex(theirs.challenge))).toBe(true);
    });

    it.each<[CeremonyPurpose, CeremonyPurpose]>([
      ['registration', 'second_factor'],
      ['step_up', 'second_factor'],
      ['second_factor', 'step_up'],
    ])(
      'refuses an assertion for a challenge issued for %s when it is presented as %s',
      async (issuedFor, presentedAs) => {
        const challenge = await issueDirectly(issuedFor, OWNER);
        await expect(
          assertions.verifyOwn(OWNER, answer(owner, challenge), presentedAs),
        ).resolves.toBe(false);
        expect(challenges.rows.has(sha256Hex(challenge))).toBe(true);
      },
    );

    it('refuses a passwordless assertion for a challenge issued to an account', async () => {
      await expect(
        assertions.verify(passkey, answer(owner, issued.challenge), 'passwordless', null, true),
      ).resolves.toBe(false);
    });

    it('refuses an assertion for a challenge that expired, and accepts one just before', async () => {
      const late = await assertions.options('second_factor', OWNER);
      challenges.advance(CHALLENGE_TTL_SECONDS - 1);
      await expect(
        assertions.verifyOwn(OWNER, owner.assert(issued, ORIGIN), 'second_factor'),
      ).resolves.toBe(true);
      challenges.advance(1);
      await expect(
        assertions.verifyOwn(OWNER, owner.assert(late, ORIGIN), 'second_factor'),
      ).resolves.toBe(false);
    });

    it('a challenge answers once: a second assertion for it is refused even with a grown counter', async () => {
      await expect(
        assertions.verifyOwn(OWNER, owner.assert(issued, ORIGIN), 'second_factor'),
      ).resolves.toBe(true);
      const again = owner.assert(issued, ORIGIN);
      await expect(assertions.verifyOwn(OWNER, again, 'second_factor')).resolves.toBe(false);
      expect(passkeys.stored(passkey.credentialId).counter).toBe(1);
    });

    it('refuses a replay of an accepted assertion', async () => {
      const response = owner.assert(issued, ORIGIN);
      await expect(assertions.verifyOwn(OWNER, response, 'second_factor')).resolves.toBe(true);
      await expect(assertions.verifyOwn(OWNER, response, 'second_factor')).resolves.toBe(false);
    });

    it('refuses an assertion made on an origin that is not configured', async () => {
      const phished = answer(owner, issued.challenge, {
        origin: 'https://passkeys.example.org.evil.test',
      });
      await expect(assertions.verifyOwn(OWNER, phished, 'second_factor')).resolves.toBe(false);
      expect(passkeys.stored(passkey.credentialId).counter).toBe(0);
    });

    it('refuses an assertion signed for another relying party id', async () => {
      const foreign = await enrol(OWNER, new SoftAuthenticator(), 'evil.example.org');
      const response = foreign.authenticator.assert(
        { challenge: issued.challenge, rpId: 'evil.example.org' },
        ORIGIN,
      );
      await expect(assertions.verifyOwn(OWNER, response, 'second_factor')).resolves.toBe(false);
      expect(passkeys.stored(foreign.passkey.credentialId).lastUsedAt).toBeNull();
    });

    it('refuses an assertion whose signature is not by the stored key', async () => {
      const impostor = await enrol(OTHER);
      const signed = answer(impostor.authenticator, issued.challenge);
      const forged = { ...signed, id: passkey.credentialId, rawId: passkey.credentialId };
      await expect(assertions.verifyOwn(OWNER, forged, 'second_factor')).resolves.toBe(false);
    });

    it('refuses another account’s passkey, even for a challenge issued to the caller', async () => {
      const theirs = await enrol(OTHER);
      const response = answer(theirs.authenticator, issued.challenge);
      await expect(assertions.verifyOwn(OWNER, response, 'second_factor')).resolves.toBe(false);
      expect(passkeys.stored(theirs.passkey.credentialId).lastUsedAt).toBeNull();
    });

    it('a second step takes user presence alone (user verification is only preferred)', async () => {
      const response = owner.assert(issued, ORIGIN, { userVerified: false });
      await expect(assertions.verifyOwn(OWNER, response, 'second_factor')).resolves.toBe(true);
    });

    it('passwordless refuses an assertion without the user-verified flag, and takes one with it', async () => {
      const withoutUv = await assertions.options('passwordless', null);
      await expect(
        assertions.verify(
          passkey,
          owner.assert(withoutUv, ORIGIN, { userVerified: false }),
          'passwordless',
          null,
          true,
        ),
      ).resolves.toBe(false);
      const withUv = await assertions.options('passwordless', null);
      await expect(
        assertions.verify(passkey, owner.assert(withUv, ORIGIN), 'passwordless', null, true),
      ).resolves.toBe(true);
    });
  });

  describe('signature counter', () => {
    /** A passkey whose authenticator (and stored row) stand at `counter`. */
    async function passkeyAt(counter: number, settings: SoftAuthenticatorOptions = {}) {
      const enrolled = await enrol(OWNER, new SoftAuthenticator(settings));
      enrolled.authenticator.credential(enrolled.passkey.credentialId).counter = counter;
      passkeys.stored(enrolled.passkey.credentialId).counter = counter;
      return enrolled;
    }

    const signIn = async (authenticator: SoftAuthenticator, chosen: AssertOptions = {}) => {
      const issued = await assertions.options('second_factor', OWNER);
      return assertions.verifyOwn(
        OWNER,
        authenticator.assert(issued, ORIGIN, chosen),
        'second_factor',
      );
    };

    it('records a counter that grows, with the backup state the assertion reports', async () => {
      const { authenticator, passkey } = await passkeyAt(7, { backupEligible: true });
      authenticator.credential(passkey.credentialId).backedUp = true;
      await expect(signIn(authenticator)).resolves.toBe(true);
      expect(passkeys.stored(passkey.credentialId)).toMatchObject({ counter: 8, backedUp: true });
      expect(passkeys.stored(passkey.credentialId).lastUsedAt).toBeInstanceOf(Date);
    });

    it('accepts the first non-zero counter of a passkey that stood at 0', async () => {
      const { authenticator, passkey } = await passkeyAt(0);
      await expect(signIn(authenticator, { counter: 5 })).resolves.toBe(true);
      expect(passkeys.stored(passkey.credentialId).counter).toBe(5);
    });

    it.each([
      ['equal to', 7],
      ['lower than', 3],
      ['reset to 0 below', 0],
    ])(
      'refuses a counter %s the stored non-zero one (a cloned authenticator), which stays',
      async (_, presented) => {
        const { authenticator, passkey } = await passkeyAt(7);
        await expect(signIn(authenticator, { counter: presented })).resolves.toBe(false);
        expect(passkeys.stored(passkey.credentialId)).toMatchObject({
          counter: 7,
          lastUsedAt: null,
        });
      },
    );

    it('accepts a counter that stays 0 on every use (synced passkeys do not count)', async () => {
      const { authenticator, passkey } = await passkeyAt(0, { counterStep: 0 });
      await expect(signIn(authenticator)).resolves.toBe(true);
      await expect(signIn(authenticator)).resolves.toBe(true);
      expect(passkeys.stored(passkey.credentialId).counter).toBe(0);
    });

    it('never lowers the stored counter: an assertion checked against a stale read loses to the one that landed', async () => {
      const { authenticator, passkey } = await passkeyAt(7);
      const staleRead = await passkeys.findByCredentialId(passkey.credentialId);
      const [slow, fast] = [
        await assertions.options('second_factor', OWNER),
        await assertions.options('second_factor', OWNER),
      ];
      const slowAnswer = authenticator.assert(slow, ORIGIN, { counter: 8 });
      await expect(
        assertions.verifyOwn(
          OWNER,
          authenticator.assert(fast, ORIGIN, { counter: 9 }),
          'second_factor',
        ),
      ).resolves.toBe(true);
      await expect(
        assertions.verify(staleRead!, slowAnswer, 'second_factor', OWNER, false),
      ).resolves.toBe(false);
      expect(passkeys.stored(passkey.credentialId).counter).toBe(9);
    });
  });
});

import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import { SoftAuthenticator, type SoftCredential } from './soft-authenticator';

// The soft authenticator is only worth something if an independent relying party library accepts
// what it makes and refuses what it forges; @simplewebauthn/server is the one the app uses.
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:8080';
const USER_ID = new Uint8Array(16).fill(7);

const creationOptions = (
  overrides: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> =>
  generateRegistrationOptions({
    rpName: 'soft authenticator spec',
    rpID: RP_ID,
    userID: USER_ID,
    userName: 'ada@example.org',
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    ...overrides,
  });

/** Registers a credential with `authenticator` and has the library verify it. */
async function enrol(authenticator: SoftAuthenticator) {
  const options = await creationOptions();
  const response = authenticator.register(options, ORIGIN);
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  if (!verified.verified) throw new Error('registration not verified');
  return { response, info: verified.registrationInfo };
}

/** What the server would do with `response`: verify it against the stored `counter`. */
function check(
  credential: SoftCredential,
  response: AuthenticationResponseJSON,
  challenge: string,
  { counter = 0, origin = ORIGIN, rpId = RP_ID, requireUserVerification = true } = {},
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRPID: rpId,
    credential: { id: credential.id, publicKey: new Uint8Array(credential.publicKey), counter },
    requireUserVerification,
  });
}

describe('SoftAuthenticator against @simplewebauthn/server', () => {
  it('makes a registration the library verifies: none attestation, P-256 COSE key, flags, counter 0', async () => {
    const authenticator = new SoftAuthenticator();
    const { response, info } = await enrol(authenticator);
    const [credential] = authenticator.credentials;
    expect(response.id).toBe(credential.id);
    expect(Buffer.from(credential.id, 'base64url')).toHaveLength(32);
    expect(info.fmt).toBe('none');
    expect(info.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(info.credential.id).toBe(credential.id);
    expect(Buffer.from(info.credential.publicKey)).toEqual(Buffer.from(credential.publicKey));
    expect(info.credential.counter).toBe(0);
    expect(info.credential.transports).toEqual(['internal']);
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(info.credentialBackedUp).toBe(false);
    expect(info.origin).toBe(ORIGIN);
    expect(info.rpID).toBe(RP_ID);
    expect(credential.discoverable).toBe(true);
    expect(credential.userHandle).toBe(Buffer.from(USER_ID).toString('base64url'));
  });

  it('reports backup eligibility and state (a synced passkey)', async () => {
    const { info } = await enrol(new SoftAuthenticator({ backupEligible: true, backedUp: true }));
    expect(info.credentialDeviceType).toBe('multiDevice');
    expect(info.credentialBackedUp).toBe(true);
  });

  it('refuses to register again where excludeCredentials names a credential it holds', async () => {
    const authenticator = new SoftAuthenticator();
    await enrol(authenticator);
    const options = await creationOptions({
      excludeCredentials: [{ id: authenticator.credentials[0].id }],
    });
    expect(() => authenticator.register(options, ORIGIN)).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    // Another authenticator does not hold it and registers.
    expect(new SoftAuthenticator().register(options, ORIGIN).id).toEqual(expect.any(String));
  });

  it('makes assertions the library verifies, counting up, with the user handle of a resident key', async () => {
    const authenticator = new SoftAuthenticator();
    await enrol(authenticator);
    const [credential] = authenticator.credentials;
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: credential.id }],
    });
    const first = authenticator.assert(options, ORIGIN);
    expect(first.response.userHandle).toBe(credential.userHandle);
    const verified = await check(credential, first, options.challenge);
    expect(verified.verified).toBe(true);
    expect(verified.authenticationInfo).toMatchObject({ newCounter: 1, userVerified: true });
    expect(credential.counter).toBe(1);

    // Discoverable: no allowCredentials, the resident key answers.
    const discoverable = await generateAuthenticationOptions({ rpID: RP_ID });
    const second = authenticator.assert(discoverable, ORIGIN);
    const next = await check(credential, second, discoverable.challenge, { counter: 1 });
    expect(next.verified).toBe(true);
    expect(next.authenticationInfo.newCounter).toBe(2);
  });

  it('lets a spec choose the counter: a stale one is refused, the credential never counts backwards', async () => {
    const authenticator = new SoftAuthenticator();
    await enrol(authenticator);
    const [credential] = authenticator.credentials;
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const ahead = authenticator.assert(options, ORIGIN, { counter: 41 });
    expect((await check(credential, ahead, options.challenge)).authenticationInfo.newCounter).toBe(
      41,
    );
    const stale = authenticator.assert(options, ORIGIN, { counter: 40 });
    await expect(check(credential, stale, options.challenge, { counter: 41 })).rejects.toThrow(
      /counter/,
    );
    expect(credential.counter).toBe(41);
    credential.counter = 100;
    const set = authenticator.assert(options, ORIGIN);
    expect((await check(credential, set, options.challenge, { counter: 41 })).verified).toBe(true);
    expect(credential.counter).toBe(101);
  });

  it('keeps the counter of a synced passkey at 0, which the library accepts again and again', async () => {
    const authenticator = new SoftAuthenticator({
      counterStep: 0,
      backupEligible: true,
      backedUp: true,
    });
    await enrol(authenticator);
    const [credential] = authenticator.credentials;
    for (let i = 0; i < 3; i++) {
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const verified = await check(
        credential,
        authenticator.assert(options, ORIGIN),
        options.challenge,
      );
      expect(verified.verified).toBe(true);
      expect(verified.authenticationInfo).toMatchObject({
        newCounter: 0,
        credentialBackedUp: true,
      });
    }
  });

  it('signs with the credential a spec picks, among those the options allow', async () => {
    const authenticator = new SoftAuthenticator();
    await enrol(authenticator);
    await enrol(authenticator);
    const [one, two] = authenticator.credentials;
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: one.id }, { id: two.id }],
    });
    const picked = authenticator.assert(options, ORIGIN, { credentialId: two.id });
    expect(picked.id).toBe(two.id);
    expect((await check(two, picked, options.challenge)).verified).toBe(true);
    const onlyOne = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: one.id }],
    });
    expect(() => authenticator.assert(onlyOne, ORIGIN, { credentialId: two.id })).toThrow(
      expect.objectContaining({ name: 'NotAllowedError' }),
    );
  });

  it('a key that is not resident answers only when listed, and returns no user handle', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await creationOptions({
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
    });
    authenticator.register(options, ORIGIN);
    const [credential] = authenticator.credentials;
    expect(credential.discoverable).toBe(false);
    expect(() => authenticator.assert({ challenge: 'AAAA', rpId: RP_ID }, ORIGIN)).toThrow(
      expect.objectContaining({ name: 'NotAllowedError' }),
    );
    const listed = authenticator.assert(
      {
        challenge: 'AAAA',
        rpId: RP_ID,
        allowCredentials: [{ id: credential.id, type: 'public-key' }],
      },
      ORIGIN,
    );
    expect(listed.response.userHandle).toBeUndefined();
  });

  describe('what the library refuses', () => {
    let authenticator: SoftAuthenticator;
    let credential: SoftCredential;
    beforeEach(async () => {
      authenticator = new SoftAuthenticator();
      await enrol(authenticator);
      [credential] = authenticator.credentials;
    });

    /** A fresh authenticator's registration for `rpID`, sent from `origin`, checked as the service checks it. */
    async function registrationFrom(origin: string, rpID?: string) {
      const options = await creationOptions(rpID === undefined ? {} : { rpID });
      const response = new SoftAuthenticator().register(options, origin);
      return verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });
    }

    it('a registration from an origin the relying party does not list', async () => {
      await expect(registrationFrom('https://phish.example.net')).rejects.toThrow(/origin/);
    });

    it('a registration for another RP id', async () => {
      await expect(registrationFrom(ORIGIN, 'phish.example.net')).rejects.toThrow(/RP ID/);
    });

    it('an assertion from an origin the relying party does not list', async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.assert(options, 'https://phish.example.net');
      await expect(check(credential, response, options.challenge)).rejects.toThrow(/origin/);
    });

    it('an assertion for another RP id, even by the same key', async () => {
      const foreign = new SoftAuthenticator();
      const options = await creationOptions({ rpID: 'phish.example.net' });
      foreign.register(options, ORIGIN);
      const request = await generateAuthenticationOptions({ rpID: 'phish.example.net' });
      const response = foreign.assert(request, ORIGIN);
      // Its own RP id verifies it: only the RP id makes the difference.
      await expect(
        check(foreign.credentials[0], response, request.challenge, { rpId: 'phish.example.net' }),
      ).resolves.toMatchObject({ verified: true });
      await expect(check(foreign.credentials[0], response, request.challenge)).rejects.toThrow(
        /RP ID/,
      );
    });

    it('a tampered signature, and authenticator data changed after signing', async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.assert(options, ORIGIN);
      const signature = Buffer.from(response.response.signature, 'base64url');
      signature[signature.length - 1] ^= 0x01;
      const tampered = {
        ...response,
        response: { ...response.response, signature: signature.toString('base64url') },
      };
      expect((await check(credential, tampered, options.challenge)).verified).toBe(false);

      const authData = Buffer.from(response.response.authenticatorData, 'base64url');
      authData.writeUInt32BE(1000, 33); // a higher counter, not signed
      const bumped = {
        ...response,
        response: { ...response.response, authenticatorData: authData.toString('base64url') },
      };
      expect((await check(credential, bumped, options.challenge)).verified).toBe(false);
      expect((await check(credential, response, options.challenge)).verified).toBe(true);
    });

    it('a signature by another key', async () => {
      const other = new SoftAuthenticator();
      await enrol(other);
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = {
        ...other.assert(options, ORIGIN),
        id: credential.id,
        rawId: credential.id,
      };
      expect((await check(credential, response, options.challenge)).verified).toBe(false);
    });

    it('an assertion without user verification where it is required', async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.assert(options, ORIGIN, { userVerified: false });
      await expect(check(credential, response, options.challenge)).rejects.toThrow(
        /User verification/,
      );
      await expect(
        check(credential, response, options.challenge, { requireUserVerification: false }),
      ).resolves.toMatchObject({ verified: true });
    });

    it('an assertion made for another challenge', async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const issued = await generateAuthenticationOptions({ rpID: RP_ID });
      const response = authenticator.assert(options, ORIGIN);
      await expect(check(credential, response, issued.challenge)).rejects.toThrow(/challenge/);
    });
  });
});

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { cose, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A WebAuthn authenticator (and the little of the browser a ceremony needs) in plain Node, so
 * passkey specs run over HTTP without a browser. It makes what a platform authenticator with
 * "none" attestation makes: ES256 (P-256) keys, authenticator data, CBOR attestation objects and
 * DER signatures, all checkable by any relying party library.
 *
 * Unlike a browser it does not check that the RP id belongs to the origin: a spec hands it any
 * origin or RP id to forge what a phishing page or a misbehaving client would send, and watches
 * the server refuse. It does refuse what an authenticator itself refuses (an excluded credential,
 * no credential to sign with), with the DOMException names browsers use.
 */

/** What the CBOR encoder that comes with @simplewebauthn/server takes. */
type CborValue = Parameters<typeof isoCBOR.encode>[0];

/** Authenticator data flag bits (WebAuthn §6.1). */
const FLAG = {
  userPresent: 0x01,
  userVerified: 0x04,
  backupEligible: 0x08,
  backedUp: 0x10,
  attestedCredentialData: 0x40,
} as const;

/** "none" attestation names no model: the AAGUID is all zeros. */
const AAGUID_NONE = new Uint8Array(16);

/** One credential the authenticator holds. `counter` is the spec's to read and set. */
export interface SoftCredential {
  /** The credential id, base64url (what the server stores and lists in allowCredentials). */
  readonly id: string;
  readonly rpId: string;
  /** The user handle the relying party gave at registration (user.id), base64url. */
  readonly userHandle: string;
  /** A resident key: usable without allowCredentials, and it returns its user handle. */
  readonly discoverable: boolean;
  /** The COSE EC2 public key, as it appears in the attestation. */
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
  /** The signature counter: the value the next assertion starts from. */
  counter: number;
  backupEligible: boolean;
  backedUp: boolean;
}

export interface SoftAuthenticatorOptions {
  /** Whether the authenticator verifies its user (PIN, biometric): the UV flag. Default true. */
  userVerification?: boolean;
  /** How much the counter grows per assertion; 0 models a synced passkey that reports 0. Default 1. */
  counterStep?: number;
  /** Backup eligibility and state (BE, BS) of the credentials it creates. Default false. */
  backupEligible?: boolean;
  backedUp?: boolean;
  /** Transports the registration response reports. Default ["internal"]. */
  transports?: string[];
}

export interface AssertOptions {
  /** Which credential signs (must be allowed by the options); default the first that may. */
  credentialId?: string;
  /** Writes this counter instead of the next one: replays and races of stale counters. */
  counter?: number;
  /** Overrides the UV flag for this assertion (to forge one the server must refuse). */
  userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  private readonly settings: Required<SoftAuthenticatorOptions>;

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.settings = {
      userVerification: true,
      counterStep: 1,
      backupEligible: false,
      backedUp: false,
      transports: ['internal'],
      ...options,
    };
  }

  /** The credential with `id`; throws when the authenticator holds none. */
  credential(id: string): SoftCredential {
    const found = this.credentials.find((c) => c.id === id);
    if (!found) throw new Error(`the soft authenticator holds no credential ${id}`);
    return found;
  }

  /** navigator.credentials.create() then PublicKeyCredential.toJSON(), for `origin`. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.alg === (cose.COSEALG.ES256 as number)))
      throw new DOMException('No supported algorithm (ES256) offered', 'NotSupportedError');
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(c.id)))
      throw new DOMException(
        'The authenticator already holds an excluded credential',
        'InvalidStateError',
      );

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, CborValue>([
      [cose.COSEKEYS.kty, cose.COSEKTY.EC2],
      [cose.COSEKEYS.alg, cose.COSEALG.ES256],
      [cose.COSEKEYS.crv, cose.COSECRV.P256],
      [cose.COSEKEYS.x, new Uint8Array(Buffer.from(jwk.x as string, 'base64url'))],
      [cose.COSEKEYS.y, new Uint8Array(Buffer.from(jwk.y as string, 'base64url'))],
    ]);
    const rawId = randomBytes(32);
    const selection = options.authenticatorSelection;
    const credential: SoftCredential = {
      id: rawId.toString('base64url'),
      rpId,
      userHandle: options.user.id,
      discoverable:
        selection?.residentKey === 'required' ||
        selection?.residentKey === 'preferred' ||
        selection?.requireResidentKey === true,
      publicKey: isoCBOR.encode(coseKey),
      privateKey,
      counter: 0,
      backupEligible: this.settings.backupEligible,
      backedUp: this.settings.backedUp,
    };

    // Attested credential data: AAGUID ‖ credential id length (16 bits) ‖ credential id ‖ COSE key.
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(rawId.length);
    const authData = authenticatorData(
      credential,
      this.settings.userVerification,
      credential.counter,
      Buffer.concat([AAGUID_NONE, idLength, rawId, credential.publicKey]),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CborValue>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    this.credentials.push(credential);
    return {
      ...publicKeyCredential(credential),
      response: {
        clientDataJSON: clientData('webauthn.create', options.challenge, origin),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        transports: this.settings.transports,
        publicKeyAlgorithm: cose.COSEALG.ES256,
        publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
      },
    };
  }

  /**
   * navigator.credentials.get() then toJSON(), for `origin`. Signs with a credential of the RP id
   * that allowCredentials names (or, without a list, a discoverable one). The counter is the
   * credential's, grown by `counterStep`, unless `chosen.counter` says otherwise; the credential
   * keeps the highest counter it has signed, as a real authenticator never counts backwards.
   */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    chosen: AssertOptions = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const candidates = this.credentials.filter(
      (c) => c.rpId === rpId && (allowed.size > 0 ? allowed.has(c.id) : c.discoverable),
    );
    const credential =
      chosen.credentialId === undefined
        ? candidates[0]
        : candidates.find((c) => c.id === chosen.credentialId);
    if (!credential)
      throw new DOMException('No credential of this authenticator may answer', 'NotAllowedError');

    const counter = chosen.counter ?? credential.counter + this.settings.counterStep;
    credential.counter = Math.max(credential.counter, counter);
    const authData = authenticatorData(
      credential,
      chosen.userVerified ?? this.settings.userVerification,
      counter,
    );
    const clientDataJSON = clientData('webauthn.get', options.challenge, origin);
    // The assertion signature covers authenticatorData ‖ SHA-256(clientDataJSON); node:crypto
    // writes ECDSA signatures DER-encoded, as WebAuthn wants them.
    const clientDataHash = createHash('sha256')
      .update(Buffer.from(clientDataJSON, 'base64url'))
      .digest();
    const signature = sign(
      'sha256',
      Buffer.concat([authData, clientDataHash]),
      credential.privateKey,
    );
    return {
      ...publicKeyCredential(credential),
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(credential.discoverable ? { userHandle: credential.userHandle } : {}),
      },
    };
  }
}

/** What a PublicKeyCredential's toJSON() has besides its response: this is a platform authenticator. */
function publicKeyCredential(credential: SoftCredential) {
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key' as const,
    authenticatorAttachment: 'platform' as const,
    clientExtensionResults: {},
  };
}

/** rpIdHash (SHA-256 of the RP id) ‖ flags ‖ counter (32 bits) ‖ attested credential data, if any. */
function authenticatorData(
  credential: SoftCredential,
  userVerified: boolean,
  counter: number,
  attested?: Buffer,
): Buffer {
  const flags =
    FLAG.userPresent |
    (userVerified ? FLAG.userVerified : 0) |
    (credential.backupEligible ? FLAG.backupEligible : 0) |
    (credential.backedUp ? FLAG.backedUp : 0) |
    (attested ? FLAG.attestedCredentialData : 0);
  const head = Buffer.alloc(37);
  createHash('sha256').update(credential.rpId).digest().copy(head, 0);
  head.writeUInt8(flags, 32);
  head.writeUInt32BE(counter, 33);
  return attested ? Buffer.concat([head, attested]) : head;
}

/** The client data the browser writes, base64url (the challenge as the server sent it). */
function clientData(
  type: 'webauthn.create' | 'webauthn.get',
  challenge: string,
  origin: string,
): string {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString(
    'base64url',
  );
}

/**
 * Passkey ceremonies: the API speaks the WebAuthn JSON forms (base64url strings), the browser's
 * navigator.credentials takes and gives ArrayBuffers. These converters do what
 * PublicKeyCredential.parseCreationOptionsFromJSON() and credential.toJSON() do where a browser
 * has them, so older browsers work too. The JSON forms are the API's own schemas.
 */
import type { Schemas } from '../../../client/src';

type CreationOptionsJson = Schemas['PasskeyCreationOptions'];
type RequestOptionsJson = Schemas['PasskeyRequestOptions'];
type RegistrationJson = Schemas['PasskeyRegistrationCredential'];
type AssertionJson = Schemas['PasskeyAssertionCredential'];

function toBuffer(base64url: string): ArrayBuffer {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function toBase64url(buffer: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(
  list: Schemas['CredentialDescriptorJson'][] | undefined,
): PublicKeyCredentialDescriptor[] | undefined {
  return list?.map((d) => ({
    id: toBuffer(d.id),
    type: 'public-key',
    // The API lists the transports the authenticator named; the browser takes them as hints.
    transports: d.transports as AuthenticatorTransport[] | undefined,
  }));
}

/** PublicKeyCredentialCreationOptionsJSON → what navigator.credentials.create() takes. */
function creationOptions(json: CreationOptionsJson): PublicKeyCredentialCreationOptions {
  return {
    ...(json as unknown as PublicKeyCredentialCreationOptions),
    challenge: toBuffer(json.challenge),
    user: { ...json.user, id: toBuffer(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

/** PublicKeyCredentialRequestOptionsJSON → what navigator.credentials.get() takes. */
function requestOptions(json: RequestOptionsJson): PublicKeyCredentialRequestOptions {
  return {
    ...(json as unknown as PublicKeyCredentialRequestOptions),
    challenge: toBuffer(json.challenge),
    allowCredentials: descriptors(json.allowCredentials),
  };
}

/** The fields every credential's JSON has besides its response. */
function common(credential: PublicKeyCredential) {
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

/** A new passkey as the JSON registration/verify checks (RegistrationResponseJSON). */
function registrationJson(credential: PublicKeyCredential): RegistrationJson {
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    ...common(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: response.getTransports(),
    },
  };
}

/** An assertion as the JSON a verify route or a proof checks (AuthenticationResponseJSON). */
function assertionJson(credential: PublicKeyCredential): AssertionJson {
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    ...common(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
    },
  };
}

/** Creates a passkey with the registration options; its JSON for registration/verify. */
export async function createPasskey(options: CreationOptionsJson): Promise<RegistrationJson> {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  if (!(credential instanceof PublicKeyCredential))
    throw new DOMException('no credential', 'NotAllowedError');
  return registrationJson(credential);
}

/** Asks for an assertion with the request options; its JSON for a verify route or a proof. */
export async function usePasskey(options: RequestOptionsJson): Promise<AssertionJson> {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  if (!(credential instanceof PublicKeyCredential))
    throw new DOMException('no credential', 'NotAllowedError');
  return assertionJson(credential);
}

/**
 * Passkey ceremonies: the API speaks the WebAuthn JSON forms (base64url strings), the browser's
 * navigator.credentials takes and gives ArrayBuffers. These converters do what
 * PublicKeyCredential.parseCreationOptionsFromJSON() and credential.toJSON() do where a browser
 * has them, so older browsers work too. The options arrive typed `{ [key: string]: unknown }` by
 * the client (the API describes them as free-form objects): they are narrowed here, once.
 */

type Json = Record<string, unknown>;

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

interface CredentialDescriptorJson {
  id: string;
  type: 'public-key';
  transports?: AuthenticatorTransport[];
}

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return (list as CredentialDescriptorJson[]).map((d) => ({ ...d, id: toBuffer(d.id) }));
}

/** PublicKeyCredentialCreationOptionsJSON → what navigator.credentials.create() takes. */
function creationOptions(json: Json): PublicKeyCredentialCreationOptions {
  // The API's options follow the WebAuthn JSON form (@simplewebauthn/server's generator).
  const options = json as unknown as PublicKeyCredentialCreationOptions & {
    challenge: string;
    user: { id: string; name: string; displayName: string };
    excludeCredentials?: unknown;
  };
  return {
    ...options,
    challenge: toBuffer(options.challenge),
    user: { ...options.user, id: toBuffer(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
}

/** PublicKeyCredentialRequestOptionsJSON → what navigator.credentials.get() takes. */
function requestOptions(json: Json): PublicKeyCredentialRequestOptions {
  const options = json as unknown as PublicKeyCredentialRequestOptions & {
    challenge: string;
    allowCredentials?: unknown;
  };
  return {
    ...options,
    challenge: toBuffer(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
}

/** The browser's answer as the JSON the API verifies (RegistrationResponseJSON / AuthenticationResponseJSON). */
function credentialJson(credential: PublicKeyCredential): Json {
  const response = credential.response;
  const common = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
  if (response instanceof AuthenticatorAttestationResponse)
    return {
      ...common,
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: response.getTransports(),
      },
    };
  const assertion = response as AuthenticatorAssertionResponse;
  return {
    ...common,
    response: {
      clientDataJSON: toBase64url(assertion.clientDataJSON),
      authenticatorData: toBase64url(assertion.authenticatorData),
      signature: toBase64url(assertion.signature),
      userHandle: assertion.userHandle ? toBase64url(assertion.userHandle) : undefined,
    },
  };
}

/** Creates a passkey with the registration options; its JSON for registration/verify. */
export async function createPasskey(options: Json): Promise<Json> {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  if (!(credential instanceof PublicKeyCredential))
    throw new DOMException('no credential', 'NotAllowedError');
  return credentialJson(credential);
}

/** Asks for an assertion with the request options; its JSON for a verify route or a proof. */
export async function usePasskey(options: Json): Promise<Json> {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  if (!(credential instanceof PublicKeyCredential))
    throw new DOMException('no credential', 'NotAllowedError');
  return credentialJson(credential);
}

import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import type {
  AuthenticationExtensionsClientInputs,
  AuthenticationExtensionsClientOutputs,
  AuthenticationResponseJSON,
  AuthenticatorAssertionResponseJSON,
  AuthenticatorAttestationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * The WebAuthn JSON shapes (WebAuthn Level 3, `PublicKeyCredential.toJSON()` and
 * `parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`; @simplewebauthn's `*JSON` types)
 * as OpenAPI schemas, so that the generated client types the passkey ceremonies. Each class
 * `implements` the @simplewebauthn type it describes: the compiler keeps the two in step.
 *
 * These classes DOCUMENT the shape; they do not validate it. A credential is validated by
 * @simplewebauthn (verifyRegistrationResponse / verifyAuthenticationResponse: encoding, challenge,
 * origin, RP ID hash, signature, counter), which answers the same refusal for any malformed part.
 * Nested class-validator rules under the global ValidationPipe (whitelist + forbidNonWhitelisted)
 * would instead refuse every member a browser adds as WebAuthn grows (Level 3 already added
 * `publicKey`, `publicKeyAlgorithm`, `authenticatorData` and new extension outputs), so the fields
 * that carry these shapes keep their one rule, `@IsObject()`, and no `@ValidateNested()`.
 */

const BASE64URL = 'base64url, unpadded';
const TRANSPORTS: ApiPropertyOptions = {
  type: [String],
  example: ['internal', 'hybrid'],
  description: 'usb, nfc, ble, smart-card, hybrid, internal (browsers may add more)',
};

/**
 * Extension maps name the members this service knows. No `additionalProperties: false`: others pass
 * (JSON Schema's default), and the generated type stays one the DOM's own `*JSON` types assign to.
 */
const EXTENSION_OUTPUTS: ApiPropertyOptions = {
  type: 'object',
  properties: {
    appid: { type: 'boolean' },
    credProps: { type: 'object', properties: { rk: { type: 'boolean' } } },
    hmacCreateSecret: { type: 'boolean' },
  },
  example: { credProps: { rk: true } },
  description: "The client's extension outputs (getClientExtensionResults()); often `{}`",
};

const EXTENSION_INPUTS: ApiPropertyOptions = {
  type: 'object',
  properties: {
    appid: { type: 'string' },
    credProps: { type: 'boolean' },
    hmacCreateSecret: { type: 'boolean' },
    minPinLength: { type: 'boolean' },
  },
  example: { credProps: true },
};

const CREDENTIAL_TYPE: ApiPropertyOptions = { enum: ['public-key'], example: 'public-key' };
/**
 * In a credential the browser sends, `type` and `authenticatorAttachment` are plain strings, as the
 * DOM's RegistrationResponseJSON / AuthenticationResponseJSON type them: `credential.toJSON()`
 * then fits the generated body type without a cast of its members. @simplewebauthn refuses a
 * `type` other than `public-key`.
 */
const SENT_TYPE: ApiPropertyOptions = { type: String, example: 'public-key' };
const SENT_ATTACHMENT: ApiPropertyOptions = {
  type: String,
  example: 'platform',
  description: '`platform` or `cross-platform`; absent when the browser does not say',
};
const ATTACHMENT: ApiPropertyOptions = {
  enum: ['platform', 'cross-platform'],
  description: 'Absent when the browser does not say',
};
const USER_VERIFICATION: ApiPropertyOptions = { enum: ['required', 'preferred', 'discouraged'] };
const HINTS: ApiPropertyOptions = {
  enum: ['security-key', 'client-device', 'hybrid'],
  isArray: true,
};

// ---- What the service answers: options for navigator.credentials.create() / .get() ----

export class RelyingPartyJson {
  @ApiProperty({ example: 'Secure Nest Foundation' }) name!: string;
  @ApiPropertyOptional({ example: 'localhost', description: 'The RP ID (WEBAUTHN_RP_ID)' })
  id?: string;
}

export class PasskeyUserJson {
  @ApiProperty({ description: `The user handle (the account id's 16 bytes), ${BASE64URL}` })
  id!: string;
  @ApiProperty({ example: 'alice@example.com' }) name!: string;
  @ApiProperty({ example: 'alice' }) displayName!: string;
}

export class CredentialParametersJson {
  @ApiProperty({ example: -7, description: 'A COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256' })
  alg!: number;
  @ApiProperty(CREDENTIAL_TYPE) type!: 'public-key';
}

export class CredentialDescriptorJson {
  @ApiProperty({ description: `The credential id, ${BASE64URL}` }) id!: string;
  @ApiProperty({ example: 'public-key' }) type!: string;
  @ApiPropertyOptional(TRANSPORTS) transports?: string[];
}

export class AuthenticatorSelectionJson {
  @ApiPropertyOptional(ATTACHMENT) authenticatorAttachment?: 'platform' | 'cross-platform';
  @ApiPropertyOptional({ enum: ['discouraged', 'preferred', 'required'] })
  residentKey?: 'discouraged' | 'preferred' | 'required';
  @ApiPropertyOptional() requireResidentKey?: boolean;
  @ApiPropertyOptional(USER_VERIFICATION)
  userVerification?: 'required' | 'preferred' | 'discouraged';
}

/** PublicKeyCredentialCreationOptionsJSON: hand to navigator.credentials.create(). */
export class PasskeyCreationOptions implements PublicKeyCredentialCreationOptionsJSON {
  @ApiProperty({ type: () => RelyingPartyJson }) rp!: RelyingPartyJson;
  @ApiProperty({ type: () => PasskeyUserJson }) user!: PasskeyUserJson;
  @ApiProperty({ description: `The challenge, ${BASE64URL}; it works once` }) challenge!: string;
  @ApiProperty({ type: () => [CredentialParametersJson] })
  pubKeyCredParams!: CredentialParametersJson[];
  @ApiPropertyOptional({ example: 120000, description: 'Milliseconds' }) timeout?: number;
  @ApiPropertyOptional({
    type: () => [CredentialDescriptorJson],
    description: "The account's passkeys: the authenticator must not make a second one",
  })
  excludeCredentials?: CredentialDescriptorJson[];
  @ApiPropertyOptional({ type: () => AuthenticatorSelectionJson })
  authenticatorSelection?: AuthenticatorSelectionJson;
  @ApiPropertyOptional(HINTS) hints?: ('security-key' | 'client-device' | 'hybrid')[];
  @ApiPropertyOptional({ enum: ['none', 'indirect', 'direct', 'enterprise'] })
  attestation?: 'none' | 'indirect' | 'direct' | 'enterprise';
  @ApiPropertyOptional({ type: [String] })
  attestationFormats?: PublicKeyCredentialCreationOptionsJSON['attestationFormats'];
  @ApiPropertyOptional(EXTENSION_INPUTS) extensions?: AuthenticationExtensionsClientInputs;
}

/** PublicKeyCredentialRequestOptionsJSON: hand to navigator.credentials.get(). */
export class PasskeyRequestOptions implements PublicKeyCredentialRequestOptionsJSON {
  @ApiProperty({ description: `The challenge, ${BASE64URL}; it works once` }) challenge!: string;
  @ApiPropertyOptional({ example: 120000, description: 'Milliseconds' }) timeout?: number;
  @ApiPropertyOptional({ example: 'localhost' }) rpId?: string;
  @ApiPropertyOptional({
    type: () => [CredentialDescriptorJson],
    description: "The account's passkeys; absent for a discoverable (passwordless) sign-in",
  })
  allowCredentials?: CredentialDescriptorJson[];
  @ApiPropertyOptional(USER_VERIFICATION)
  userVerification?: 'required' | 'preferred' | 'discouraged';
  @ApiPropertyOptional(HINTS) hints?: ('security-key' | 'client-device' | 'hybrid')[];
  @ApiPropertyOptional(EXTENSION_INPUTS) extensions?: AuthenticationExtensionsClientInputs;
}

// ---- What the browser answers: the credential, as PublicKeyCredential.toJSON() gives it ----

export class AttestationResponseJson implements AuthenticatorAttestationResponseJSON {
  @ApiProperty({ description: BASE64URL }) clientDataJSON!: string;
  @ApiProperty({ description: BASE64URL }) attestationObject!: string;
  @ApiPropertyOptional({ description: BASE64URL }) authenticatorData?: string;
  @ApiPropertyOptional(TRANSPORTS) transports?: string[];
  @ApiPropertyOptional({ example: -7, description: 'COSE algorithm of the new key' })
  publicKeyAlgorithm?: number;
  @ApiPropertyOptional({ description: `The public key (SubjectPublicKeyInfo), ${BASE64URL}` })
  publicKey?: string;
}

export class AssertionResponseJson implements AuthenticatorAssertionResponseJSON {
  @ApiProperty({ description: BASE64URL }) clientDataJSON!: string;
  @ApiProperty({ description: BASE64URL }) authenticatorData!: string;
  @ApiProperty({ description: BASE64URL }) signature!: string;
  @ApiPropertyOptional({ description: `The user handle, ${BASE64URL} (discoverable passkeys)` })
  userHandle?: string;
}

/** RegistrationResponseJSON: navigator.credentials.create()'s credential, toJSON(). */
export class PasskeyRegistrationCredential implements RegistrationResponseJSON {
  @ApiProperty({ description: `The credential id, ${BASE64URL}` }) id!: string;
  @ApiProperty({ description: `The same id, ${BASE64URL}` }) rawId!: string;
  @ApiProperty(SENT_TYPE) type!: 'public-key';
  @ApiProperty({ type: () => AttestationResponseJson }) response!: AttestationResponseJson;
  @ApiPropertyOptional(SENT_ATTACHMENT) authenticatorAttachment?: 'platform' | 'cross-platform';
  @ApiProperty(EXTENSION_OUTPUTS) clientExtensionResults!: AuthenticationExtensionsClientOutputs;
}

/** AuthenticationResponseJSON: navigator.credentials.get()'s credential, toJSON(). */
export class PasskeyAssertionCredential implements AuthenticationResponseJSON {
  @ApiProperty({ description: `The credential id, ${BASE64URL}` }) id!: string;
  @ApiProperty({ description: `The same id, ${BASE64URL}` }) rawId!: string;
  @ApiProperty(SENT_TYPE) type!: 'public-key';
  @ApiProperty({ type: () => AssertionResponseJson }) response!: AssertionResponseJson;
  @ApiPropertyOptional(SENT_ATTACHMENT) authenticatorAttachment?: 'platform' | 'cross-platform';
  @ApiProperty(EXTENSION_OUTPUTS) clientExtensionResults!: AuthenticationExtensionsClientOutputs;
}

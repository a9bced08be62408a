/**
 * RFC 8176 authentication method references, as sessions record them and access tokens carry them
 * (`amr`). Said here once: the roles guard, the MFA module and the sign-in paths all name them.
 */
export const AMR = {
  password: 'pwd',
  totp: 'otp',
  recoveryCode: 'rec',
  passkey: 'hwk',
  userVerification: 'user',
  /**
   * A sign-in at an identity provider. Not registered by RFC 8176; the value Microsoft Entra ID
   * gives a federated assertion. One factor: what the provider checked is not ours to count.
   */
  federated: 'fed',
} as const;

export type AuthenticationMethod = (typeof AMR)[keyof typeof AMR];

const POSSESSION: readonly string[] = [AMR.totp, AMR.recoveryCode, AMR.passkey];
// The first factor beside a possession: the password, a passkey's own user verification, or a
// provider sign-in (whatever the provider asked for, it is not something the user holds here).
const KNOWLEDGE_OR_INHERENCE: readonly string[] = [
  AMR.password,
  AMR.userVerification,
  AMR.federated,
];

/** Something held: an authenticator app, a recovery code or a passkey. */
export function hasPossessionFactor(amr: readonly string[]): boolean {
  return amr.some((m) => POSSESSION.includes(m));
}

/**
 * Two factors of different kinds: something held (authenticator app, recovery code, passkey) and
 * something known or being (password, or the passkey's own user verification: PIN or biometric).
 */
export function isMultiFactor(amr: readonly string[]): boolean {
  return (
    amr.some((m) => POSSESSION.includes(m)) && amr.some((m) => KNOWLEDGE_OR_INHERENCE.includes(m))
  );
}

/**
 * One error for every way a token can fail to verify (malformed, tampered, wrong location,
 * wrong key). Distinguishing them would hand an attacker an oracle, and the message must
 * stay generic because callers tend to log it.
 */
export class CiphertextAuthenticationError extends Error {
  override readonly name = 'CiphertextAuthenticationError';
  constructor() {
    super('Encrypted value could not be authenticated');
  }
}

/**
 * Kept separate from authentication failures on purpose: a missing key is an operator
 * mistake (a retired key removed too early), not tampering, and the fix is configuration.
 * Key ids are validated against a safe charset before this is thrown, so naming one is safe.
 */
export class UnknownKeyError extends Error {
  override readonly name = 'UnknownKeyError';
  constructor(readonly keyId: string) {
    super(`No encryption key with id "${keyId}" is configured`);
  }
}

/**
 * The settings the crypto services read, as values: crypto/ knows no environment variable. The
 * application provides them from the validated environment (config/config.module.ts); a test can
 * provide its own.
 */
export abstract class CryptoOptions {
  /** HMAC key applied to a password before bcrypt, and to device and network fingerprints. */
  abstract readonly passwordPepper: string;
  /** The id new hashes record for `passwordPepper` (default "p1", see peppers.ts). */
  abstract readonly passwordPepperId?: string;
  /** Retired peppers `id:secret,id:secret`: they still verify, and their hashes are renewed at login. */
  abstract readonly previousPasswordPeppers?: string;
  /** bcrypt cost of new hashes; a hash of another cost is rehashed at login. */
  abstract readonly bcryptRounds: number;
  /** One AES-256-GCM key, 64 hex characters (the keyring's "k1"). */
  abstract readonly encryptionKey?: string;
  /** A keyring `id:hex,id:hex`; wins over encryptionKey when set. */
  abstract readonly encryptionKeys?: string;
}

import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CiphertextAuthenticationError, UnknownKeyError } from './errors';
import { KEY_ID_PATTERN, KEYRING, Keyring } from './keyring';

export { CiphertextAuthenticationError, UnknownKeyError };

/** Where a value lives. Bound into the tag so a ciphertext copied to another cell fails. */
export interface FieldLocation {
  table: string;
  column: string;
  rowId: string;
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;
const LONE_SURROGATE = /\p{Cs}/u;

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Token format: `v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>`. */
@Injectable()
export class FieldCipher {
  constructor(@Inject(KEYRING) private readonly keyring: Keyring) {}

  /** The key new values are encrypted under. */
  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  encrypt(plaintext: string, aad: FieldLocation): string {
    if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
    // UTF-8 encoding would silently turn these into U+FFFD, so the round trip would not be exact.
    if (LONE_SURROGATE.test(plaintext)) throw new TypeError('plaintext is not well-formed UTF-16');
    const keyId = this.keyring.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keyring.key(keyId), iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(associatedData(keyId, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, keyId, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(token: string, aad: FieldLocation): string {
    const { keyId, iv, tag, ciphertext } = parseToken(token);
    const associated = associatedData(keyId, aad);
    const key = this.keyring.key(keyId);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      decipher.setAAD(associated);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Deliberately drop the cause: OpenSSL's messages add nothing and must not reach logs as an oracle.
      throw new CiphertextAuthenticationError();
    }
  }

  /** How every token under the active key starts: the re-encryption selects the others. */
  get activeTokenPrefix(): string {
    return `${VERSION}.${this.keyring.activeKeyId}.`;
  }

  keyIdOf(token: string): string {
    return parseToken(token).keyId;
  }

  needsReencryption(token: string): boolean {
    return this.keyIdOf(token) !== this.keyring.activeKeyId;
  }
}

/**
 * JSON of a string array is injective, unlike joining with a separator (table "a:b" + column
 * "c" would collide with "a" + "b:c"). Version and key id are included so the header cannot be
 * edited independently of the ciphertext.
 */
function associatedData(keyId: string, { table, column, rowId }: FieldLocation): Buffer {
  for (const [name, value] of Object.entries({ table, column, rowId })) {
    // An empty rowId usually means encrypting before the database assigned one; refuse loudly.
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`aad.${name} must be a non-empty string`);
    }
  }
  return Buffer.from(JSON.stringify([VERSION, keyId, table, column, rowId]), 'utf8');
}

function parseToken(token: unknown): ParsedToken {
  if (typeof token !== 'string') throw new CiphertextAuthenticationError();
  const parts = token.split('.');
  if (parts.length !== 5) throw new CiphertextAuthenticationError();
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (version !== VERSION || !KEY_ID_PATTERN.test(keyId)) throw new CiphertextAuthenticationError();
  return {
    keyId,
    iv: decodeExact(iv, IV_BYTES),
    tag: decodeExact(tag, TAG_BYTES),
    ciphertext: decodeExact(ciphertext),
  };
}

/** Buffer.from(…, 'base64url') skips junk characters; insist on the canonical encoding instead. */
function decodeExact(text: string, bytes?: number): Buffer {
  const buf = Buffer.from(text, 'base64url');
  if (!B64URL.test(text) || buf.toString('base64url') !== text)
    throw new CiphertextAuthenticationError();
  if (bytes !== undefined && buf.length !== bytes) throw new CiphertextAuthenticationError();
  return buf;
}

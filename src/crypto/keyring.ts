import { createSecretKey, type KeyObject } from 'node:crypto';
import { UnknownKeyError } from './errors';

export const KEYRING = Symbol('KEYRING');

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;
const KEY_BYTES = 32;

/**
 * A lone ENCRYPTION_KEY gets the fixed id "k1" (rather than one derived from the key) so that
 * moving to rotation is just `ENCRYPTION_KEYS=k2:<new>,k1:<old>`: existing tokens keep
 * naming a key that is still present.
 */
export const SINGLE_KEY_ID = 'k1';

export interface KeyEntry {
  id: string;
  key: Buffer;
}

export class Keyring {
  readonly activeKeyId: string;
  readonly #keys = new Map<string, KeyObject>();

  /**
   * The first entry encrypts; all entries decrypt. `source` only prefixes error messages so an
   * operator can tell which variable is wrong. Messages never echo key material, and echo an id
   * only after it has passed validation (a malformed "id" may be a mis-pasted key).
   */
  constructor(entries: readonly KeyEntry[], source = 'Keyring') {
    if (entries.length === 0) throw new Error(`${source}: no keys configured`);
    entries.forEach(({ id, key }, i) => {
      if (!KEY_ID_PATTERN.test(id)) {
        throw new Error(
          `${source}: entry ${i + 1} has an invalid key id (allowed: [A-Za-z0-9_-]{1,32})`,
        );
      }
      if (key.length !== KEY_BYTES)
        throw new Error(`${source}: key "${id}" is not ${KEY_BYTES} bytes`);
      if (this.#keys.has(id)) throw new Error(`${source}: key id "${id}" is used more than once`);
      const twin = entries.slice(0, i).find((other) => other.key.equals(key));
      // Two ids for one key would make rotation look done while nothing actually changed.
      if (twin)
        throw new Error(`${source}: keys "${twin.id}" and "${id}" have identical key material`);
      this.#keys.set(id, createSecretKey(key));
    });
    this.activeKeyId = entries[0].id;
  }

  key(id: string): KeyObject {
    const key = this.#keys.get(id);
    if (!key) throw new UnknownKeyError(id);
    return key;
  }
}

/** ENCRYPTION_KEYS wins when both are set; blank values count as unset (empty .env placeholders). */
export function parseKeyring(env: { ENCRYPTION_KEY?: string; ENCRYPTION_KEYS?: string }): Keyring {
  const multi = env.ENCRYPTION_KEYS?.trim();
  if (multi) return new Keyring(parseEntries(multi), 'ENCRYPTION_KEYS');
  const single = env.ENCRYPTION_KEY?.trim();
  if (single) {
    if (!KEY_HEX_PATTERN.test(single)) {
      throw new Error('ENCRYPTION_KEY: value is not 64 hex characters (32 bytes)');
    }
    return new Keyring([{ id: SINGLE_KEY_ID, key: Buffer.from(single, 'hex') }], 'ENCRYPTION_KEY');
  }
  throw new Error('ENCRYPTION_KEY or ENCRYPTION_KEYS must be set');
}

function parseEntries(value: string): KeyEntry[] {
  return value.split(',').map((raw, i) => {
    const entry = raw.trim();
    const sep = entry.indexOf(':');
    if (sep < 0) throw new Error(`ENCRYPTION_KEYS: entry ${i + 1} is not in "id:hex" form`);
    const id = entry.slice(0, sep).trim();
    const hex = entry.slice(sep + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw new Error(
        `ENCRYPTION_KEYS: entry ${i + 1} has an invalid key id (allowed: [A-Za-z0-9_-]{1,32})`,
      );
    }
    if (!KEY_HEX_PATTERN.test(hex)) {
      throw new Error(`ENCRYPTION_KEYS: key "${id}" is not 64 hex characters (32 bytes)`);
    }
    return { id, key: Buffer.from(hex, 'hex') };
  });
}

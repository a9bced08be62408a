import type { KeyObject } from 'node:crypto';
import { hmacKey } from './hmac-key';
import { KEY_ID_PATTERN } from './keyring';

/** As the secrets' own rule: a retired secret was once a production secret. */
const MIN_SECRET_LENGTH = 32;

/** Which variables a ring is read from: its messages name them, never a secret. */
export interface SecretRingSource {
  idVariable: string;
  previousVariable: string;
}

/**
 * HMAC secrets that can be rotated: the active one (its id recorded with everything it makes) and
 * retired ones (`id:secret,id:secret`) that still verify what they made. Used by the password
 * pepper (hashes are renewed under the active one at sign-in) and the audit key (older events keep
 * verifying under the key they were chained with). Each key object is built once.
 */
export class SecretRing {
  readonly activeId: string;
  readonly #keys = new Map<string, KeyObject>();

  constructor(
    active: { id: string; secret: string },
    previous: string | undefined,
    source: SecretRingSource,
  ) {
    this.activeId = active.id;
    this.add(active.id, active.secret, source.idVariable);
    for (const entry of (previous ?? '').split(',').map((part) => part.trim())) {
      if (!entry) continue;
      const colon = entry.indexOf(':');
      if (colon < 0) throw new Error(`${source.previousVariable}: each entry is id:secret`);
      this.add(entry.slice(0, colon), entry.slice(colon + 1), source.previousVariable);
    }
  }

  get activeKey(): KeyObject {
    return this.#keys.get(this.activeId)!;
  }

  /** The key of `id`; undefined once it is no longer configured. */
  key(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  private add(id: string, secret: string, variable: string): void {
    if (!KEY_ID_PATTERN.test(id))
      throw new Error(`${variable}: an id must match [A-Za-z0-9_-]{1,32}`);
    if (this.#keys.has(id)) throw new Error(`${variable}: id "${id}" is used more than once`);
    if (secret.length < MIN_SECRET_LENGTH)
      throw new Error(`${variable}: secret "${id}" must be at least ${MIN_SECRET_LENGTH} bytes`);
    const key = hmacKey(secret);
    for (const [other, known] of this.#keys)
      if (known.equals(key))
        throw new Error(`${variable}: "${other}" and "${id}" are the same secret`);
    this.#keys.set(id, key);
  }
}

import { generateKey } from '../crypto/generate-key';
import type { CliOutput } from './cli-command';

/** `generate-key`: a new key id and 32-byte key, ready to prepend to ENCRYPTION_KEYS. */
export function printNewKey(out: CliOutput): number {
  const { id, hex } = generateKey();
  out.stdout(
    `key id: ${id}\nkey:    ${hex}\n\nENCRYPTION_KEYS=${id}:${hex},<current id>:<current key>\n`,
  );
  return 0;
}

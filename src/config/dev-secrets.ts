import { generateKey } from '../crypto/generate-key';
import { randomSecret } from '../crypto/random';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The secrets a development start may generate; production must be given every one of them. */
export const GENERATED_SECRETS = {
  JWT_SECRET: () => randomSecret(48),
  JWT_REFRESH_SECRET: () => randomSecret(48),
  ENCRYPTION_KEY: () => generateKey().hex,
  PASSWORD_PEPPER: () => randomSecret(48),
  AUDIT_HMAC_KEY: () => randomSecret(48),
} as const;

type SecretName = keyof typeof GENERATED_SECRETS;

/**
 * Outside production, fills each missing secret from DATA_DIR/secrets.json, generating it with a
 * CSPRNG on first use. The file is mode 0600 so that `npm start` needs no setup and restarts keep
 * tokens, peppered hashes and encrypted fields valid.
 */
export function withDevSecrets(
  raw: Record<string, string | undefined>,
  dataDir: string,
): Record<string, string | undefined> {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<Record<SecretName, string>> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<SecretName, string>>)
    : {};
  let changed = false;
  for (const name of Object.keys(GENERATED_SECRETS) as SecretName[]) {
    if (!stored[name]) {
      stored[name] = GENERATED_SECRETS[name]();
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true, mode: 0o711 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const merged = { ...raw };
  for (const name of Object.keys(GENERATED_SECRETS) as SecretName[]) {
    // ENCRYPTION_KEYS, when given, is the keyring: a generated single key must not shadow it.
    if (name === 'ENCRYPTION_KEY' && raw.ENCRYPTION_KEYS) continue;
    merged[name] ||= stored[name];
  }
  return merged;
}

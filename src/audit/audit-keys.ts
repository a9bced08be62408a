import type { AuditConfig } from '../config/config-sections';
import { SecretRing } from '../crypto/secret-ring';

/** The id of events and anchors that record none (from before key ids), and AUDIT_HMAC_KEY_ID's default. */
export const DEFAULT_AUDIT_KEY_ID = 'a1';

/**
 * AUDIT_HMAC_KEY under its id, and the retired keys (AUDIT_HMAC_KEYS_PREVIOUS) that older events
 * and anchors were made under: rotating the key never breaks verification of what came before.
 */
export function auditKeyRing(config: AuditConfig): SecretRing {
  return new SecretRing(
    { id: config.hmacKeyId ?? DEFAULT_AUDIT_KEY_ID, secret: config.hmacKey },
    config.previousHmacKeys,
    { idVariable: 'AUDIT_HMAC_KEY_ID', previousVariable: 'AUDIT_HMAC_KEYS_PREVIOUS' },
  );
}

/**
 * SQL literals the migrations' CHECK constraints repeat, shared by the entities that restate those
 * constraints so an entity reads like the table it describes.
 */

/** A field-cipher token: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (src/crypto/field-cipher.service.ts). */
export const CIPHERTEXT_PATTERN = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;

/** A SHA-256 or HMAC-SHA-256 digest in lower-case hex. */
export const SHA256_HEX_PATTERN = `'^[0-9a-f]{64}$'`;

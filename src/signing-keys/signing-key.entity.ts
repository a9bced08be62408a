import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { CIPHERTEXT_PATTERN } from '../database/check-patterns';
import { EncryptedColumn } from '../database/encrypted-column.decorator';

/**
 * The table `signing_keys`: the asymmetric keys access tokens are signed with. The private key is
 * field-cipher ciphertext whose AAD names this row's `kid`, so a key copied to another row fails to
 * decrypt; the public key is always derived from the private one, never stored.
 */
@Entity({ name: 'signing_keys' })
@Check('signing_keys_algorithm_check', `algorithm IN ('EdDSA', 'ES256')`)
@Check('signing_keys_private_key_is_ciphertext', `private_key ~ ${CIPHERTEXT_PATTERN}`)
export class SigningKeyEntity {
  /** The `kid` of the tokens it signs: 128 random bits, base64url. */
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  @Column({ type: 'text' })
  algorithm!: 'EdDSA' | 'ES256';

  /** PKCS#8 PEM, encrypted. */
  @EncryptedColumn({ name: 'private_key' })
  privateKey!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** When it starts signing: the key with the latest start in the past signs (the database's clock). */
  @Column({ name: 'signs_from', type: 'timestamptz' })
  signsFrom!: Date;

  /** Set by `rotate-signing-key --compromised`: from then on nothing it signed verifies. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { UserOwnedRow } from '../../users/user-owned-row';

/** The table `passkeys`: WebAuthn credentials as the authenticator gave them. */
@Entity({ name: 'passkeys' })
@Unique('passkeys_credential_id_key', ['credentialId'])
@Index('passkeys_user_idx', ['userId'])
@Check(
  'passkeys_credential_id_check',
  `credential_id ~ '^[A-Za-z0-9_-]+$' AND length(credential_id) <= 1366`,
)
@Check('passkeys_counter_check', 'counter >= 0')
@Check('passkeys_name_check', 'length(name) <= 100')
export class PasskeyEntity extends UserOwnedRow {
  /** base64url, as the authenticator reported it. */
  @Column({ name: 'credential_id', type: 'text' })
  credentialId!: string;

  /** COSE public key. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey!: Buffer;

  /** Signature counter; bigint, so pg returns a string. */
  @Column({ type: 'bigint', default: 0 })
  counter!: string;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  transports!: string[];

  @Column({ name: 'backup_eligible', type: 'boolean' })
  backupEligible!: boolean;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp!: boolean;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}

import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { UserOwnedRow } from '../users/user-owned-row';

/**
 * The table `account_tokens`: one-time link tokens by SHA-256, at most one live per user and
 * purpose (a partial unique index). Password-reset and email-change links are bound to the
 * credentials version they were issued under.
 */
@Entity({ name: 'account_tokens' })
@Unique('account_tokens_hash_key', ['tokenHash'])
@Index('account_tokens_one_live_idx', ['userId', 'purpose'], {
  unique: true,
  where: 'spent_at IS NULL',
})
@Check(
  'account_tokens_purpose_check',
  `purpose IN ('verify_email', 'password_reset', 'email_change')`,
)
@Check('account_tokens_token_hash_check', `token_hash ~ ${SHA256_HEX_PATTERN}`)
@Check('account_tokens_new_email_check', 'new_email = lower(btrim(new_email))')
@Check(
  'account_tokens_new_email_only_for_change',
  `(purpose = 'email_change') = (new_email IS NOT NULL)`,
)
@Check(
  'account_tokens_bound_to_credentials',
  `(purpose IN ('password_reset', 'email_change')) = (credentials_version IS NOT NULL)`,
)
export class AccountTokenEntity extends UserOwnedRow {
  @Column({ type: 'text' })
  purpose!: 'verify_email' | 'password_reset' | 'email_change';

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'new_email', type: 'text', nullable: true })
  newEmail!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'spent_at', type: 'timestamptz', nullable: true })
  spentAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'credentials_version', type: 'integer', nullable: true })
  credentialsVersion!: number | null;
}

import { Check, Column, Entity, Unique } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { UserOwnedRow } from '../users/user-owned-row';

/** The table `mfa_recovery_codes`: the SHA-256 of each recovery code, used once. */
@Entity({ name: 'mfa_recovery_codes' })
@Unique('mfa_recovery_codes_user_code_key', ['userId', 'codeHash'])
@Check('mfa_recovery_codes_code_hash_check', `code_hash ~ ${SHA256_HEX_PATTERN}`)
export class RecoveryCodeEntity extends UserOwnedRow {
  @Column({ name: 'code_hash', type: 'text' })
  codeHash!: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

import {
  Check,
  Column,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { UserEntity } from '../users/user.entity';

/** The table `mfa_recovery_codes`: the SHA-256 of each recovery code, used once. */
@Entity({ name: 'mfa_recovery_codes' })
@Unique('mfa_recovery_codes_user_code_key', ['userId', 'codeHash'])
@Check('mfa_recovery_codes_code_hash_check', `code_hash ~ ${SHA256_HEX_PATTERN}`)
export class RecoveryCodeEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'mfa_recovery_codes_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'mfa_recovery_codes_user_id_fkey' })
  user?: UserEntity;

  @Column({ name: 'code_hash', type: 'text' })
  codeHash!: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { CIPHERTEXT_PATTERN } from '../database/check-patterns';
import { EncryptedColumn } from '../database/encrypted-column.decorator';
import { BelongsToUser } from '../users/belongs-to-user.decorator';
import { UserEntity } from '../users/user.entity';

/**
 * The table `mfa_totp`: one authenticator per user (the user id is the primary key, so the
 * relation is many-to-one in TypeORM's terms without allowing a second row).
 */
@Entity({ name: 'mfa_totp' })
@Check('mfa_totp_secret_is_ciphertext', `secret ~ ${CIPHERTEXT_PATTERN}`)
@Check('mfa_totp_last_used_step_check', 'last_used_step >= 0')
export class TotpEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @BelongsToUser()
  user?: UserEntity;

  /** Field-cipher ciphertext of the base32 secret. */
  @EncryptedColumn()
  secret!: string;

  /** NULL while the set-up waits for its first code. */
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  /** RFC 6238 time step of the last accepted code; bigint, so pg returns a string. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { BelongsToUser } from '../users/belongs-to-user.decorator';
import { UserIdentityEntity } from '../users/user-identity.entity';
import { UserEntity } from '../users/user.entity';

/** The table `mfa_challenges`: a login waiting for its second factor, by the SHA-256 of its token. */
@Entity({ name: 'mfa_challenges' })
@Index('mfa_challenges_expires_idx', ['expiresAt'])
@Check('mfa_challenges_token_hash_check', `token_hash ~ ${SHA256_HEX_PATTERN}`)
@Check('mfa_challenges_failures_check', 'failures >= 0')
@Check('mfa_challenges_first_factor_check', `first_factor IN ('pwd', 'fed')`)
export class MfaChallengeEntity {
  @PrimaryColumn({
    name: 'token_hash',
    type: 'text',
  })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @BelongsToUser()
  user?: UserEntity;

  /** The credentials version the password step checked. */
  @Column({ name: 'credentials_version', type: 'integer' })
  credentialsVersion!: number;

  /** How the first step was proven (`amr`): the password, or a provider sign-in. */
  @Column({ name: 'first_factor', type: 'text', default: 'pwd' })
  firstFactor!: 'pwd' | 'fed';

  /** The provider identity of a provider sign-in's first step: its session will remember it. */
  @Column({ name: 'identity_id', type: 'uuid', nullable: true })
  identityId!: string | null;

  @ManyToOne(() => UserIdentityEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'identity_id' })
  identity?: UserIdentityEntity;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'spent_at', type: 'timestamptz', nullable: true })
  spentAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../../database/check-patterns';
import { BelongsToUser } from '../../users/belongs-to-user.decorator';
import { UserEntity } from '../../users/user.entity';

/**
 * The table `webauthn_challenges`: the SHA-256 of each ceremony's challenge, single use. Only a
 * passwordless ceremony has no user.
 */
@Entity({ name: 'webauthn_challenges' })
@Index('webauthn_challenges_expires_idx', ['expiresAt'])
@Check('webauthn_challenges_challenge_hash_check', `challenge_hash ~ ${SHA256_HEX_PATTERN}`)
@Check(
  'webauthn_challenges_purpose_check',
  `purpose IN ('registration', 'second_factor', 'passwordless', 'step_up')`,
)
@Check('webauthn_challenges_user', `(purpose = 'passwordless') = (user_id IS NULL)`)
export class WebauthnChallengeEntity {
  @PrimaryColumn({
    name: 'challenge_hash',
    type: 'text',
  })
  challengeHash!: string;

  @Column({ type: 'text' })
  purpose!: 'registration' | 'second_factor' | 'passwordless' | 'step_up';

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @BelongsToUser({ nullable: true })
  user?: UserEntity | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

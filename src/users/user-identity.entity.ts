import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { CIPHERTEXT_PATTERN } from '../database/check-patterns';
import { EncryptedColumn } from '../database/encrypted-column.decorator';
import { BelongsToUser } from './belongs-to-user.decorator';
import { UserEntity } from './user.entity';

/**
 * The table `user_identities`: an account's link to an identity provider's user, keyed by the
 * provider's (issuer, subject) as the ID token states them (GitHub: its web URL and numeric user
 * id). The provider's address is kept only to show and never becomes the account's address.
 */
@Entity({ name: 'user_identities' })
@Unique('user_identities_issuer_subject_key', ['issuer', 'subject'])
@Index('user_identities_user_idx', ['userId'])
@Check('user_identities_email_is_ciphertext', `email_encrypted ~ ${CIPHERTEXT_PATTERN}`)
export class UserIdentityEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @BelongsToUser()
  user?: UserEntity;

  /** The configured provider id (`OIDC_PROVIDERS[].id`) it was linked through. */
  @Column({ type: 'text' })
  provider!: string;

  @Column({ type: 'text' })
  issuer!: string;

  @Column({ type: 'text' })
  subject!: string;

  /** The provider's address at linking time, field-cipher ciphertext (AAD: this row's id). */
  @EncryptedColumn({ name: 'email_encrypted', nullable: true })
  emailEncrypted!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

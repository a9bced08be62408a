import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../../database/check-patterns';
import { BelongsToUser } from '../../users/belongs-to-user.decorator';
import { UserEntity } from '../../users/user.entity';
import { UserIdentityEntity } from '../../users/user-identity.entity';

/**
 * The table `provider_sign_in_codes`: a provider sign-in waiting for the browser to exchange its
 * one-time code, by the code's SHA-256, bound to the `__Host-oidc_result` cookie (its SHA-256) and
 * to the credentials version it was issued under.
 */
@Entity({ name: 'provider_sign_in_codes' })
@Index('provider_sign_in_codes_expires_idx', ['expiresAt'])
@Check('provider_sign_in_codes_code_hash_check', `code_hash ~ ${SHA256_HEX_PATTERN}`)
@Check('provider_sign_in_codes_binding_hash_check', `binding_hash ~ ${SHA256_HEX_PATTERN}`)
export class ProviderSignInCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'text' })
  codeHash!: string;

  @Column({ name: 'binding_hash', type: 'text' })
  bindingHash!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @BelongsToUser()
  user?: UserEntity;

  @Column({ name: 'identity_id', type: 'uuid' })
  identityId!: string;

  @ManyToOne(() => UserIdentityEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'identity_id' })
  identity?: UserIdentityEntity;

  @Column({ name: 'credentials_version', type: 'integer' })
  credentialsVersion!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

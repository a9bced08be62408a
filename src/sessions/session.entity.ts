import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { UserIdentityEntity } from '../users/user-identity.entity';
import { UserOwnedRow } from '../users/user-owned-row';

/** The table `sessions`: one sign-in; access tokens carry its id. */
@Entity({ name: 'sessions' })
@Index('sessions_user_live_idx', ['userId'], { where: 'revoked_at IS NULL' })
@Check('sessions_amr_check', 'cardinality(amr) > 0')
export class SessionEntity extends UserOwnedRow {
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt!: Date;

  /** The absolute end (SESSION_MAX_AGE after the sign-in): nothing extends it. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** The idle end (SESSION_IDLE_TIMEOUT after the last refresh or the sign-in): each refresh moves it. */
  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** The user's credentials version when the session opened; it works only while the two match. */
  @Column({ name: 'credentials_version', type: 'integer', default: 0 })
  credentialsVersion!: number;

  /** RFC 8176 authentication methods of the login, carried into every access token. */
  @Column({ type: 'text', array: true, default: () => `'{pwd}'` })
  amr!: string[];

  @Column({ name: 'password_proven_at', type: 'timestamptz', nullable: true })
  passwordProvenAt!: Date | null;

  @Column({ name: 'factor_proven_at', type: 'timestamptz', nullable: true })
  factorProvenAt!: Date | null;

  /** The provider identity that opened the session, if one did: unlinking it ends the session. */
  @Column({ name: 'identity_id', type: 'uuid', nullable: true })
  identityId!: string | null;

  @ManyToOne(() => UserIdentityEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'identity_id' })
  identity?: UserIdentityEntity;
}

import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { UserAccount } from '../common/auth/principal';
import type { Role } from '../common/auth/role';
import { CIPHERTEXT_PATTERN } from '../database/check-patterns';
import { EncryptedColumn } from '../database/encrypted-column.decorator';

/** A row of `users` as the service reads it (the schema lives in migrations/). */
export type User = UserAccount;

/** What login and re-authentication read: the account, its password hash and credentials version. */
export interface UserCredentials {
  user: User;
  /** Null for an account that signs in only through identity providers or passkeys. */
  passwordHash: string | null;
  /** Bumped by every password change or reset and by deactivation; sessions carry the one they began with. */
  credentialsVersion: number;
}

/**
 * The table `users` as the migrations create it (test/database/schema-agreement.e2e-spec.ts keeps
 * the two equal). Repositories read it through this class and hand services a plain `User`.
 */
@Entity({ name: 'users' })
@Index('users_email_key', ['email'], { unique: true })
// Unique on lower(username): an expression TypeORM cannot describe, so named here and never synchronised.
@Index('users_username_key', { synchronize: false })
@Check('users_role_check', `role IN ('user', 'admin')`)
@Check('users_email_normalised', 'email = lower(btrim(email))')
@Check('users_ssn_is_ciphertext', `ssn_encrypted ~ ${CIPHERTEXT_PATTERN}`)
@Check('users_bank_account_is_ciphertext', `bank_account_encrypted ~ ${CIPHERTEXT_PATTERN}`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  username!: string;

  /** Null: no password (an account made by an identity provider sign-in, until it sets one). */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'text', default: 'user' })
  role!: Role;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'birth_date', type: 'date', nullable: true })
  birthDate!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  /** Field-cipher ciphertext only (a CHECK refuses anything else). */
  @EncryptedColumn({ name: 'ssn_encrypted', nullable: true })
  ssnEncrypted!: string | null;

  /** Field-cipher ciphertext only (a CHECK refuses anything else). */
  @EncryptedColumn({ name: 'bank_account_encrypted', nullable: true })
  bankAccountEncrypted!: string | null;

  @Column({ name: 'credentials_version', type: 'integer', default: 0 })
  credentialsVersion!: number;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled!: boolean;
}

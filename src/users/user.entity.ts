import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Trimmed, NFKC-normalised and lower-cased before it is stored (a CHECK constraint insists). */
  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @Column({ type: 'text', default: 'user' })
  role!: Role;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  /** 'YYYY-MM-DD'; null only for operator-created admins. */
  @Column({ name: 'birth_date', type: 'date', nullable: true })
  birthDate!: string | null;

  /** AES-256-GCM tokens bound to (users, column, id); read and written only by SensitiveDataService. */
  @Column({ name: 'ssn_encrypted', type: 'text', nullable: true, select: false })
  ssnEncrypted!: string | null;

  @Column({ name: 'bank_account_encrypted', type: 'text', nullable: true, select: false })
  bankAccountEncrypted!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Injectable } from '@nestjs/common';
import type { Role } from '../common/auth/role';
import { isUniqueViolation } from '../database/postgres-errors';
import { Transactions } from '../database/transactions';
import {
  SENSITIVE_COLUMNS,
  SENSITIVE_FIELDS,
  type EncryptedFields,
  type SensitiveField,
} from './sensitive-fields';
import type { User, UserCredentials } from './user.entity';

export interface NewUserRow {
  email: string;
  username: string;
  passwordHash: string;
  birthDate: string | null;
  role: Role;
}

export interface AdminChanges {
  isActive?: boolean;
  role?: Role;
}

/** The columns of `User`, aliased to its property names. */
const USER = `id, email, username, role, is_active AS "isActive", email_verified AS "emailVerified",
              mfa_enabled AS "mfaEnabled", birth_date::text AS "birthDate",
              created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The `users` table: the one place it is read or written. */
@Injectable()
export class UserRepository {
  constructor(private readonly tx: Transactions) {}

  /** The new row, or undefined when the email or username (any case) is taken. */
  async insert(row: NewUserRow): Promise<User | undefined> {
    const rows = await this.refuseDuplicate(() =>
      this.tx.manager.query<User[]>(
        `INSERT INTO users (email, username, password_hash, birth_date, role)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${USER}`,
        [row.email, row.username, row.passwordHash, row.birthDate, row.role],
      ),
    );
    return rows?.[0];
  }

  /**
   * Inserts the row unless its email is taken, in one statement that also reads the owner of a taken
   * address, so both outcomes cost the same round trips. Undefined when the username (any case) is
   * taken. A concurrent insert of the same address that commits first leaves this one a no-op that
   * the statement's snapshot cannot see: the owner is then read again, now committed.
   */
  async insertUnlessEmailTaken(
    row: NewUserRow,
  ): Promise<{ user: User; created: boolean } | undefined> {
    const rows = await this.refuseDuplicate(() =>
      this.tx.manager.query<Array<User & { created: boolean }>>(
        `WITH inserted AS (
           INSERT INTO users (email, username, password_hash, birth_date, role)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING ${USER})
         SELECT *, true AS created FROM inserted
         UNION ALL
         SELECT ${USER}, false AS created FROM users
          WHERE email = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
        [row.email, row.username, row.passwordHash, row.birthDate, row.role],
      ),
    );
    if (!rows) return undefined;
    if (rows.length === 0) {
      const owner = await this.findByEmail(row.email);
      if (!owner) throw new Error('an insert refused for its email found no owner of that email');
      return { user: owner, created: false };
    }
    const { created, ...user } = rows[0];
    return { user, created };
  }

  async findById(id: string): Promise<User | undefined> {
    const [user] = await this.tx.manager.query<User[]>(`SELECT ${USER} FROM users WHERE id = $1`, [
      id,
    ]);
    return user;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const [user] = await this.tx.manager.query<User[]>(
      `SELECT ${USER} FROM users WHERE email = $1`,
      [email],
    );
    return user;
  }

  /** The only read that returns a password hash. */
  async findCredentials(
    by: { email: string } | { id: string },
  ): Promise<UserCredentials | undefined> {
    const [column, value] = 'email' in by ? ['email', by.email] : ['id', by.id];
    const [row] = await this.tx.manager.query<
      Array<User & { passwordHash: string; credentialsVersion: number }>
    >(
      `SELECT ${USER}, password_hash AS "passwordHash", credentials_version AS "credentialsVersion"
         FROM users WHERE ${column} = $1`,
      [value],
    );
    if (!row) return undefined;
    const { passwordHash, credentialsVersion, ...user } = row;
    return { user, passwordHash, credentialsVersion };
  }

  /**
   * The updated row, or undefined when the username (any case) is taken: by another account, or by
   * a live registration reservation (src/users/username-reservation.repository.ts) unless it is
   * this account's own name already. Otherwise a rename would tell a reserved name (an attempt on a
   * taken address) from an account's.
   */
  async updateUsername(id: string, username: string): Promise<User | undefined> {
    const result = await this.refuseDuplicate(() =>
      this.tx.manager.query<[User[], number]>(
        `UPDATE users SET username = $2, updated_at = now()
          WHERE id = $1
            AND (lower(username) = lower($2) OR NOT EXISTS (
                  SELECT 1 FROM username_reservations
                   WHERE username = lower($2) AND expires_at > now()))
          RETURNING ${USER}`,
        [id, username],
      ),
    );
    return result?.[0][0];
  }

  /**
   * The same password under a new hash (a cost change): sessions stay valid. It lands only while the
   * credentials are those the hash was made from: a password changed meanwhile wins.
   */
  async rehashPassword(
    id: string,
    passwordHash: string,
    credentialsVersion: number,
  ): Promise<void> {
    await this.tx.manager.query(
      'UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND credentials_version = $3',
      [id, passwordHash, credentialsVersion],
    );
  }

  /** A new password: the credentials version moves on, which ends every session still on the old one. */
  async replacePassword(id: string, passwordHash: string): Promise<number> {
    const [rows] = await this.tx.manager.query<[Array<{ version: number }>, number]>(
      `UPDATE users SET password_hash = $2, credentials_version = credentials_version + 1, updated_at = now()
        WHERE id = $1 RETURNING credentials_version AS version`,
      [id, passwordHash],
    );
    return rows[0].version;
  }

  /**
   * Moves the credentials version on without a new password (logout-all, a factor added or removed):
   * every session still on the old version, every pending link and sign-in step bound to it, dies.
   */
  async bumpCredentialsVersion(id: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE users SET credentials_version = credentials_version + 1, updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** True when the address was unverified and is now verified. */
  async markEmailVerified(id: string): Promise<boolean> {
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE users SET email_verified = true, updated_at = now()
        WHERE id = $1 AND NOT email_verified RETURNING 1`,
      [id],
    );
    return count === 1;
  }

  /**
   * Moves the account to `email` (proven by the link sent there, so it is verified) and moves the
   * credentials version on, which ends every session, including one a racing login is opening.
   * Undefined when the address (any case) belongs to another account by now.
   */
  async changeEmail(id: string, email: string): Promise<User | undefined> {
    const result = await this.refuseDuplicate(() =>
      this.tx.manager.query<[User[], number]>(
        `UPDATE users SET email = $2, email_verified = true,
                credentials_version = credentials_version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${USER}`,
        [id, email],
      ),
    );
    return result?.[0][0];
  }

  /** The active admins, locked for the rest of the transaction (two admins demoting each other serialise). */
  async lockActiveAdmins(): Promise<string[]> {
    const rows = await this.tx.manager.query<Array<{ id: string }>>(
      "SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE",
    );
    return rows.map((row) => row.id);
  }

  /** The bcrypt cost most stored hashes have (null without users): what an unknown email's dummy costs. */
  async mostCommonHashCost(): Promise<number | null> {
    const [row] = await this.tx.manager.query<Array<{ cost: number }>>(
      // bcrypt hashes read $2b$<cost>$<salt+hash>: the cost is the third `$`-separated field.
      `SELECT split_part(password_hash, '$', 3)::int AS cost FROM users
        GROUP BY 1 ORDER BY count(*) DESC, 1 DESC LIMIT 1`,
    );
    return row?.cost ?? null;
  }

  /** Oldest first, ties broken by id, so pages never overlap or skip. */
  async page(offset: number, limit: number): Promise<{ items: User[]; total: number }> {
    const [items, [{ count }]] = await Promise.all([
      this.tx.manager.query<User[]>(
        `SELECT ${USER} FROM users ORDER BY created_at, id OFFSET $1 LIMIT $2`,
        [offset, limit],
      ),
      this.tx.manager.query<Array<{ count: string }>>('SELECT count(*) FROM users'),
    ]);
    return { items, total: Number(count) };
  }

  /** The account's second-factor flag, kept by the MFA module as factors come and go. */
  async setMfaEnabled(id: string, enabled: boolean): Promise<void> {
    await this.tx.manager.query(
      'UPDATE users SET mfa_enabled = $2, updated_at = now() WHERE id = $1',
      [id, enabled],
    );
  }

  /** Locks the row for the rest of the transaction and returns it as it was. */
  async lockForUpdate(id: string): Promise<User | undefined> {
    const [user] = await this.tx.manager.query<User[]>(
      `SELECT ${USER} FROM users WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return user;
  }

  /** Deactivating moves the credentials version on: the account's sessions never come back. */
  async updateAdminFields(id: string, changes: AdminChanges): Promise<User | undefined> {
    const [rows] = await this.tx.manager.query<[User[], number]>(
      `UPDATE users SET is_active = coalesce($2, is_active), role = coalesce($3, role),
              credentials_version = credentials_version + CASE WHEN is_active AND $2 = false THEN 1 ELSE 0 END,
              updated_at = now()
        WHERE id = $1 RETURNING ${USER}`,
      [id, changes.isActive ?? null, changes.role ?? null],
    );
    return rows[0];
  }

  async readEncrypted(id: string): Promise<EncryptedFields> {
    const [row] = await this.tx.manager.query<EncryptedFields[]>(
      `SELECT ${encryptedColumns()} FROM users WHERE id = $1`,
      [id],
    );
    return row ?? { ssn: null, bankAccount: null };
  }

  /** Sets the given fields (null erases); fields not given keep their value. */
  async writeEncrypted(id: string, values: Partial<EncryptedFields>): Promise<void> {
    const fields = SENSITIVE_FIELDS.filter((field) => values[field] !== undefined);
    if (fields.length === 0) return;
    const sets = fields.map((field, i) => `${SENSITIVE_COLUMNS[field]} = $${i + 2}`);
    await this.tx.manager.query(
      `UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...fields.map((field) => values[field])],
    );
  }

  /** How many users have an encrypted value whose token does not start with `activePrefix`. */
  async countEncryptedOutside(activePrefix: string): Promise<number> {
    const [{ count }] = await this.tx.manager.query<Array<{ count: string }>>(
      `SELECT count(*) FROM users WHERE ${outside()}`,
      [activePrefix],
    );
    return Number(count);
  }

  /** The next users (by id, after `afterId`) with a value not under `activePrefix`. */
  encryptedOutside(
    activePrefix: string,
    afterId: string,
    limit: number,
  ): Promise<Array<{ id: string } & EncryptedFields>> {
    return this.tx.manager.query(
      `SELECT id, ${encryptedColumns()} FROM users
        WHERE id > $2 AND (${outside()}) ORDER BY id LIMIT $3`,
      [activePrefix, afterId, limit],
    );
  }

  /** Replaces one ciphertext only if it is still `expected` (a concurrent write wins); true if replaced. */
  async replaceEncrypted(
    id: string,
    field: SensitiveField,
    expected: string,
    fresh: string,
  ): Promise<boolean> {
    const column = SENSITIVE_COLUMNS[field];
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE users SET ${column} = $3 WHERE id = $1 AND ${column} = $2 RETURNING 1`,
      [id, expected, fresh],
    );
    return count === 1;
  }

  private async refuseDuplicate<T>(write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }
}

function encryptedColumns(): string {
  return SENSITIVE_FIELDS.map((field) => `${SENSITIVE_COLUMNS[field]} AS "${field}"`).join(', ');
}

function outside(): string {
  return SENSITIVE_FIELDS.map(
    (field) =>
      `(${SENSITIVE_COLUMNS[field]} IS NOT NULL AND NOT starts_with(${SENSITIVE_COLUMNS[field]}, $1))`,
  ).join(' OR ');
}

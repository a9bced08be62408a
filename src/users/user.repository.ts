import { Injectable } from '@nestjs/common';
import type { FindOptionsSelect, FindOptionsWhere, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/postgres-errors';
import { Transactions } from '../database/transactions';
import { UserEntity, type User, type UserCredentials } from './user.entity';

export type NewUserRow = Pick<
  UserEntity,
  'email' | 'username' | 'passwordHash' | 'birthDate' | 'role'
>;

export type AdminChanges = Partial<Pick<UserEntity, 'isActive' | 'role'>>;

/** The columns of `User`: never the password hash or the encrypted fields. */
const ACCOUNT = {
  id: true,
  email: true,
  username: true,
  role: true,
  isActive: true,
  emailVerified: true,
  mfaEnabled: true,
  birthDate: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies FindOptionsSelect<UserEntity>;

type AccountRow = Pick<UserEntity, keyof typeof ACCOUNT>;

/** ACCOUNT for the statements that stay SQL, aliased to the property names. */
const ACCOUNT_SQL = `id, email, username, role, is_active AS "isActive", email_verified AS "emailVerified",
              mfa_enabled AS "mfaEnabled", birth_date::text AS "birthDate",
              created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The `users` table: the one place it is read or written (its encrypted fields: SensitiveFieldRepository). */
@Injectable()
export class UserRepository {
  constructor(private readonly tx: Transactions) {}

  /** The new row, or undefined when the email or username (any case) is taken. */
  async insert(row: NewUserRow): Promise<User | undefined> {
    // A copy, as TypeORM writes the generated values back into what it inserts.
    const result = await this.refuseDuplicate(() => this.users().insert({ ...row }));
    if (!result) return undefined;
    // RETURNING brings back what the database filled in (id, defaults, timestamps); the rest is `row`.
    return toUser({ ...row, ...(result.generatedMaps[0] as Omit<AccountRow, keyof NewUserRow>) });
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
    // SQL: ON CONFLICT with a read of the existing owner in the same statement (equal round trips).
    const rows = await this.refuseDuplicate(() =>
      this.tx.manager.query<Array<AccountRow & { created: boolean }>>(
        `WITH inserted AS (
           INSERT INTO users (email, username, password_hash, birth_date, role)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING ${ACCOUNT_SQL})
         SELECT *, true AS created FROM inserted
         UNION ALL
         SELECT ${ACCOUNT_SQL}, false AS created FROM users
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
    return { user: toUser(rows[0]), created: rows[0].created };
  }

  findById(id: string): Promise<User | undefined> {
    return this.findAccount({ id });
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.findAccount({ email });
  }

  /** The only read that returns a password hash. */
  async findCredentials(
    by: { email: string } | { id: string },
  ): Promise<UserCredentials | undefined> {
    const row = await this.users().findOne({
      select: { ...ACCOUNT, passwordHash: true, credentialsVersion: true },
      where: 'email' in by ? { email: by.email } : { id: by.id },
    });
    if (!row) return undefined;
    return {
      user: toUser(row),
      passwordHash: row.passwordHash,
      credentialsVersion: row.credentialsVersion,
    };
  }

  /**
   * The updated row, or undefined when the username (any case) is taken: by another account, or by
   * a live registration reservation (src/users/username-reservation.repository.ts) unless it is
   * this account's own name already. Otherwise a rename would tell a reserved name (an attempt on a
   * taken address) from an account's.
   */
  async updateUsername(id: string, username: string): Promise<User | undefined> {
    // SQL: the reservation check and the rename are one statement, so no reservation slips between.
    const result = await this.refuseDuplicate(() =>
      this.tx.manager.query<[AccountRow[], number]>(
        `UPDATE users SET username = $2, updated_at = now()
          WHERE id = $1
            AND (lower(username) = lower($2) OR NOT EXISTS (
                  SELECT 1 FROM username_reservations
                   WHERE username = lower($2) AND expires_at > now()))
          RETURNING ${ACCOUNT_SQL}`,
        [id, username],
      ),
    );
    const row = result?.[0][0];
    return row && toUser(row);
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
    await this.users().update(
      { id, credentialsVersion },
      { passwordHash, updatedAt: () => 'now()' },
    );
  }

  /** A new password: the credentials version moves on, which ends every session still on the old one. */
  async replacePassword(id: string, passwordHash: string): Promise<number> {
    // SQL: the incremented version is read back from the same UPDATE.
    const [rows] = await this.tx.manager.query<
      [Array<Pick<UserEntity, 'credentialsVersion'>>, number]
    >(
      `UPDATE users SET password_hash = $2, credentials_version = credentials_version + 1, updated_at = now()
        WHERE id = $1 RETURNING credentials_version AS "credentialsVersion"`,
      [id, passwordHash],
    );
    return rows[0].credentialsVersion;
  }

  /**
   * Moves the credentials version on without a new password (logout-all, a factor added or removed):
   * every session still on the old version, every pending link and sign-in step bound to it, dies.
   */
  async bumpCredentialsVersion(id: string): Promise<void> {
    await this.users().update(
      { id },
      { credentialsVersion: () => 'credentials_version + 1', updatedAt: () => 'now()' },
    );
  }

  /** True when the address was unverified and is now verified. */
  async markEmailVerified(id: string): Promise<boolean> {
    const { affected } = await this.users().update(
      { id, emailVerified: false },
      { emailVerified: true, updatedAt: () => 'now()' },
    );
    return affected === 1;
  }

  /**
   * Moves the account to `email` (proven by the link sent there, so it is verified) and moves the
   * credentials version on, which ends every session, including one a racing login is opening.
   * Undefined when the address (any case) belongs to another account by now.
   */
  async changeEmail(id: string, email: string): Promise<User | undefined> {
    // SQL: the unique index decides and the moved row is read back in one statement.
    const result = await this.refuseDuplicate(() =>
      this.tx.manager.query<[AccountRow[], number]>(
        `UPDATE users SET email = $2, email_verified = true,
                credentials_version = credentials_version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${ACCOUNT_SQL}`,
        [id, email],
      ),
    );
    const row = result?.[0][0];
    return row && toUser(row);
  }

  /** The active admins, locked for the rest of the transaction (two admins demoting each other serialise). */
  async lockActiveAdmins(): Promise<string[]> {
    const rows = await this.users().find({
      select: { id: true },
      where: { role: 'admin', isActive: true },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    return rows.map((row) => row.id);
  }

  /** The bcrypt cost most stored hashes have (null without users): what an unknown email's dummy costs. */
  async mostCommonHashCost(): Promise<number | null> {
    const row = await this.users()
      .createQueryBuilder('u')
      // bcrypt hashes read $2b$<cost>$<salt+hash>: the cost is the third `$`-separated field.
      .select(`split_part(u.passwordHash, '$', 3)::int`, 'cost')
      // Only bcrypt hashes: a row holding anything else (an account without a password, a row an
      // operator wrote by hand) would make the cast fail and the dummy never follow the cost.
      .where(`u.passwordHash ~ '^\\$2[aby]\\$[0-9]{2}\\$'`)
      .groupBy('cost')
      .orderBy('count(*)', 'DESC')
      .addOrderBy('cost', 'DESC')
      .limit(1)
      .getRawOne<{ cost: number }>();
    return row?.cost ?? null;
  }

  /** Oldest first, ties broken by id, so pages never overlap or skip. */
  async page(offset: number, limit: number): Promise<{ items: User[]; total: number }> {
    // Not findAndCount: with a column selection it counts DISTINCT over every selected column.
    const [rows, total] = await Promise.all([
      this.users().find({
        select: ACCOUNT,
        order: { createdAt: 'ASC', id: 'ASC' },
        skip: offset,
        take: limit,
      }),
      this.users().count(),
    ]);
    return { items: rows.map(toUser), total };
  }

  /** The account's second-factor flag, kept by the MFA module as factors come and go. */
  async setMfaEnabled(id: string, enabled: boolean): Promise<void> {
    await this.users().update({ id }, { mfaEnabled: enabled, updatedAt: () => 'now()' });
  }

  /** Locks the row for the rest of the transaction and returns it as it was. */
  lockForUpdate(id: string): Promise<User | undefined> {
    return this.findAccount({ id }, true);
  }

  /** Deactivating moves the credentials version on: the account's sessions never come back. */
  async updateAdminFields(id: string, changes: AdminChanges): Promise<User | undefined> {
    // SQL: whether the version moves depends on the row's value at the moment of the update.
    const [rows] = await this.tx.manager.query<[AccountRow[], number]>(
      `UPDATE users SET is_active = coalesce($2, is_active), role = coalesce($3, role),
              credentials_version = credentials_version + CASE WHEN is_active AND $2 = false THEN 1 ELSE 0 END,
              updated_at = now()
        WHERE id = $1 RETURNING ${ACCOUNT_SQL}`,
      [id, changes.isActive ?? null, changes.role ?? null],
    );
    return rows[0] && toUser(rows[0]);
  }

  private async findAccount(
    where: FindOptionsWhere<UserEntity>,
    lock = false,
  ): Promise<User | undefined> {
    const row = await this.users().findOne({
      select: ACCOUNT,
      where,
      ...(lock && { lock: { mode: 'pessimistic_write' as const } }),
    });
    return row ? toUser(row) : undefined;
  }

  private async refuseDuplicate<T>(write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  private users(): Repository<UserEntity> {
    return this.tx.manager.getRepository(UserEntity);
  }
}

/** A plain `User`, whatever else the row carries (an entity instance, a credentials read). */
export function toUser(row: AccountRow): User {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    role: row.role,
    isActive: row.isActive,
    emailVerified: row.emailVerified,
    mfaEnabled: row.mfaEnabled,
    birthDate: row.birthDate,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

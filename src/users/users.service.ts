import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp } from '../common/auth/step-up';
import type { Role } from '../common/auth/role';
import type { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import type { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import type { UpdateProfileDto } from './dto/update-profile.dto';
import { UserPageResponse, toUserResponse } from './dto/user-response.dto';
import type { User } from './user.entity';
import { UserRepository, type NewUserRow } from './user.repository';

export const DUPLICATE_ACCOUNT = 'An account with this email or username already exists';
/** The 409 of a registration that must not say whether the address is taken. */
export const USERNAME_TAKEN = 'This username is taken';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  birthDate: string | null;
  role?: Role;
}

/** Accounts: every query on a user's own data is keyed by the caller's id. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly stepUp: StepUp,
  ) {}

  /** Hashes the password and inserts (inside the caller's transaction); a taken email or username is a 409. */
  async create(input: NewUser): Promise<User> {
    const user = await this.users.insert(await this.newRow(input));
    if (!user) throw new ConflictException(DUPLICATE_ACCOUNT);
    return user;
  }

  /**
   * The row `insertUnlessEmailTaken` writes, password hashed: a registration that hides taken
   * addresses does this bcrypt work before it answers, whichever way the address goes.
   */
  prepareNewAccount(input: NewUser): Promise<NewUserRow> {
    return this.newRow(input);
  }

  /**
   * As `create` with a prepared row, but a taken email is no error: the account is left alone
   * and returned as `existing`. A taken username is still a 409 (USERNAME_TAKEN).
   */
  async insertUnlessEmailTaken(row: NewUserRow): Promise<{ created: User } | { existing: User }> {
    const outcome = await this.users.insertUnlessEmailTaken(row);
    if (!outcome) throw new ConflictException(USERNAME_TAKEN);
    return outcome.created ? { created: outcome.user } : { existing: outcome.user };
  }

  private async newRow(input: NewUser): Promise<NewUserRow> {
    return {
      email: input.email,
      username: input.username,
      passwordHash: await this.hasher.hash(input.password),
      birthDate: input.birthDate,
      role: input.role ?? 'user',
    };
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  updateProfile(
    caller: AuthenticatedUser,
    dto: UpdateProfileDto,
    client: ClientContext,
  ): Promise<User> {
    if (dto.username === undefined) return this.get(caller.id);
    const username = dto.username;
    return this.tx.run(async () => {
      const user = await this.users.updateUsername(caller.id, username);
      if (!user) throw new ConflictException(DUPLICATE_ACCOUNT);
      await this.audit.record({
        type: 'user.profile.updated',
        userId: caller.id,
        client,
        metadata: { fields: ['username'] },
      });
      return user;
    });
  }

  async list(query: PaginationQueryDto): Promise<UserPageResponse> {
    const { items, total } = await this.users.page((query.page - 1) * query.limit, query.limit);
    return { items: items.map(toUserResponse), total, page: query.page, limit: query.limit };
  }

  /**
   * A role change is a sensitive operation (StepUp: one proof, or a recent one). Admins cannot
   * deactivate or demote themselves, and nobody can deactivate or demote the last
   * active admin (the active admins are locked first, so two admins demoting each other serialise).
   */
  async adminUpdate(
    admin: AuthenticatedUser,
    id: string,
    dto: AdminUpdateUserDto,
    client: ClientContext,
  ): Promise<User> {
    if (dto.role !== undefined) {
      const { password, code, recoveryCode, passkey } = dto;
      await this.stepUp.forSensitiveOperation(
        admin,
        { password, code, recoveryCode, passkey },
        client,
      );
    }
    const removesAdmin = dto.isActive === false || (dto.role !== undefined && dto.role !== 'admin');
    if (removesAdmin && id.toLowerCase() === admin.id.toLowerCase()) {
      throw new BadRequestException('Admins cannot deactivate or demote themselves');
    }
    return this.tx.run(async () => {
      const admins = removesAdmin ? await this.users.lockActiveAdmins() : [];
      const before = await this.users.lockForUpdate(id);
      if (!before) throw new NotFoundException('User not found');
      if (admins.includes(before.id) && admins.length <= 1)
        throw new BadRequestException('The last active admin cannot be deactivated or demoted');
      const changes = { isActive: dto.isActive, role: dto.role };
      const changed = changes.isActive !== undefined || changes.role !== undefined;
      const after = changed
        ? ((await this.users.updateAdminFields(id, changes)) ?? before)
        : before;
      // Deactivation ends every session for good: reactivating the account later must not revive them.
      if (dto.isActive === false && before.isActive) {
        await this.sessions.revoke({ userId: id }, 'deactivated');
      }
      // A new admin's sessions, opened under a user's lifetimes, end no later than an admin's would.
      if (dto.role === 'admin' && before.role !== 'admin')
        await this.sessions.applyAdminLifetimes(id);
      await this.audit.record({
        type: 'admin.user.updated',
        userId: admin.id,
        client,
        metadata: {
          targetUserId: id,
          before: { isActive: before.isActive, role: before.role },
          after: changes, // undefined members drop out of the stored JSON
        },
      });
      return after;
    });
  }
}

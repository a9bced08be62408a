import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/decorators/current-user.decorator';
import type { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import type { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import type { UpdateProfileDto } from './dto/update-profile.dto';
import { UserPageResponse, toUserResponse } from './dto/user-response.dto';
import { User, type Role } from './user.entity';

export const DUPLICATE_ACCOUNT = 'An account with this email or username already exists';

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
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /** Inserts inside the caller's transaction; a duplicate email or username (any case) is a 409. */
  async create(manager: EntityManager, input: NewUser): Promise<User> {
    const passwordHash = await this.hasher.hash(input.password);
    const entity = manager.create(User, { ...input, passwordHash, role: input.role ?? 'user' });
    const saved = await manager.save(User, entity).catch(rethrowDuplicate);
    return manager.findOneByOrFail(User, { id: saved.id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email });
  }

  /** The only read that loads a password hash. */
  findCredentials(where: { email: string } | { id: string }): Promise<User | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where(where).getOne();
  }

  /**
   * The read behind every GET /api/users/me, so explicit SQL: the repository's findOneBy builds,
   * escapes and hydrates a query per call, which halved the route's req/s (docs/BENCHMARKS.md).
   */
  async get(id: string): Promise<User> {
    const [row] = await this.users.query<Array<Partial<User>>>(
      `SELECT id, email, username, role, is_active AS "isActive", birth_date::text AS "birthDate",
              created_at AS "createdAt", updated_at AS "updatedAt"
         FROM users WHERE id = $1`,
      [id],
    );
    if (!row) throw new NotFoundException('User not found');
    return Object.assign(new User(), row);
  }

  async updateProfile(
    caller: AuthenticatedUser,
    dto: UpdateProfileDto,
    client: ClientContext,
  ): Promise<User> {
    return this.users.manager.transaction(async (manager) => {
      if (dto.username !== undefined) {
        await manager
          .update(User, { id: caller.id }, { username: dto.username })
          .catch(rethrowDuplicate);
        await this.audit.record(
          {
            type: 'user.profile.updated',
            userId: caller.id,
            client,
            metadata: { fields: ['username'] },
          },
          manager,
        );
      }
      return manager.findOneByOrFail(User, { id: caller.id });
    });
  }

  async setPasswordHash(
    manager: EntityManager,
    userId: string,
    passwordHash: string,
  ): Promise<void> {
    await manager.update(User, { id: userId }, { passwordHash });
  }

  async list(query: PaginationQueryDto): Promise<UserPageResponse> {
    const [rows, total] = await this.users.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return { items: rows.map(toUserResponse), total, page: query.page, limit: query.limit };
  }

  async adminUpdate(
    admin: AuthenticatedUser,
    id: string,
    dto: AdminUpdateUserDto,
    client: ClientContext,
  ): Promise<User> {
    if (
      id === admin.id &&
      (dto.isActive === false || (dto.role !== undefined && dto.role !== 'admin'))
    ) {
      throw new BadRequestException('Admins cannot deactivate or demote themselves');
    }
    return this.users.manager.transaction(async (manager) => {
      const before = await manager.findOneBy(User, { id });
      if (!before) throw new NotFoundException('User not found');
      const changes: Partial<User> = {};
      if (dto.isActive !== undefined) changes.isActive = dto.isActive;
      if (dto.role !== undefined) changes.role = dto.role;
      if (Object.keys(changes).length > 0) await manager.update(User, { id }, changes);
      // Deactivation ends every session for good: reactivating the account later must not revive them.
      if (dto.isActive === false && before.isActive) {
        await manager.query(
          "UPDATE sessions SET revoked_at = now(), revoked_reason = 'deactivated' WHERE user_id = $1 AND revoked_at IS NULL",
          [id],
        );
      }
      await this.audit.record(
        {
          type: 'admin.user.updated',
          userId: admin.id,
          client,
          metadata: {
            targetUserId: id,
            before: { isActive: before.isActive, role: before.role },
            after: changes,
          },
        },
        manager,
      );
      return manager.findOneByOrFail(User, { id });
    });
  }
}

function rethrowDuplicate(error: unknown): never {
  if (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string }).code === '23505'
  ) {
    throw new ConflictException(DUPLICATE_ACCOUNT);
  }
  throw error;
}

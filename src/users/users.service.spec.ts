import {
  BadRequestException,
  ConflictException,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { StepUp } from '../common/auth/step-up';
import { aClient, anAuthenticatedUser, aUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { SessionsService } from '../sessions/sessions.service';
import type { User } from './user.entity';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';

const client = aClient();
const ADMIN = anAuthenticatedUser({ id: 'a0000000-0000-4000-8000-000000000001', role: 'admin' });
const TARGET = 'b0000000-0000-4000-8000-000000000002';
const target = (over: Partial<User> = {}): User =>
  aUser({ id: TARGET, email: 'bob@example.org', username: 'bob', birthDate: null, ...over });

describe('UsersService', () => {
  let users: UsersService;
  let repo: jest.Mocked<UserRepository>;
  let sessions: jest.Mocked<SessionsService>;
  let audit: jest.Mocked<AuditService>;
  let stepUp: jest.Mocked<StepUp>;
  let hasher: jest.Mocked<PasswordHasher>;
  let tx: ReturnType<typeof fakeTransactions>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: users, mocks, transactions: tx } = await newTestService(UsersService));
    repo = mocks.get(UserRepository);
    sessions = mocks.get(SessionsService);
    audit = mocks.get(AuditService);
    stepUp = mocks.get(StepUp);
    hasher = mocks.get(PasswordHasher);
  });

  it('deactivation revokes every session of the user, in the same transaction as the change', async () => {
    repo.lockActiveAdmins.mockResolvedValue([ADMIN.id]);
    repo.lockForUpdate.mockResolvedValue(target());
    repo.updateAdminFields.mockResolvedValue(target({ isActive: false }));
    sessions.revoke.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return 1;
    });
    const after = await users.adminUpdate(ADMIN, TARGET, { isActive: false }, client);
    expect(after.isActive).toBe(false);
    expect(sessions.revoke).toHaveBeenCalledWith({ userId: TARGET }, 'deactivated');
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'admin.user.updated',
        userId: ADMIN.id,
        metadata: expect.objectContaining({ targetUserId: TARGET }),
      }),
    );
  });

  it('refuses to deactivate or demote the last active admin, whoever asks', async () => {
    repo.lockActiveAdmins.mockResolvedValue([TARGET]);
    repo.lockForUpdate.mockResolvedValue(target({ role: 'admin' }));
    for (const dto of [{ isActive: false }, { role: 'user' as const }]) {
      await expect(users.adminUpdate(ADMIN, TARGET, dto, client)).rejects.toThrow(
        'The last active admin cannot be deactivated or demoted',
      );
    }
    expect(repo.updateAdminFields).not.toHaveBeenCalled();
  });

  it('lets an admin demote another admin while one remains', async () => {
    repo.lockActiveAdmins.mockResolvedValue([ADMIN.id, TARGET]);
    repo.lockForUpdate.mockResolvedValue(target({ role: 'admin' }));
    repo.updateAdminFields.mockResolvedValue(target({ role: 'user' }));
    await expect(users.adminUpdate(ADMIN, TARGET, { role: 'user' }, client)).resolves.toMatchObject(
      {
        role: 'user',
      },
    );
  });

  it('a role change is a sensitive operation: the step-up rule decides first, with the proofs of the body', async () => {
    stepUp.forSensitiveOperation.mockRejectedValue(new UnauthorizedException('proof'));
    await expect(
      users.adminUpdate(ADMIN, TARGET, { role: 'admin', password: 'pw' }, client),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    expect(stepUp.forSensitiveOperation).toHaveBeenCalledWith(
      ADMIN,
      { password: 'pw', code: undefined, recoveryCode: undefined, passkey: undefined },
      client,
    );
    expect(repo.lockForUpdate).not.toHaveBeenCalled();
  });

  it('a deactivation alone asks for no proof', async () => {
    repo.lockActiveAdmins.mockResolvedValue([ADMIN.id]);
    repo.lockForUpdate.mockResolvedValue(target());
    repo.updateAdminFields.mockResolvedValue(target({ isActive: false }));
    await users.adminUpdate(ADMIN, TARGET, { isActive: false }, client);
    expect(stepUp.forSensitiveOperation).not.toHaveBeenCalled();
  });

  it('reactivation or a role change revokes nothing', async () => {
    repo.lockForUpdate.mockResolvedValue(target({ isActive: false }));
    repo.updateAdminFields.mockResolvedValue(target({ isActive: true, role: 'admin' }));
    await users.adminUpdate(ADMIN, TARGET, { isActive: true, role: 'admin' }, client);
    expect(sessions.revoke).not.toHaveBeenCalled();
  });

  it('refuses an admin deactivating or demoting itself, however its id is spelt, before touching the database', async () => {
    for (const dto of [{ isActive: false }, { role: 'user' as const }]) {
      for (const id of [ADMIN.id, ADMIN.id.toUpperCase()])
        await expect(users.adminUpdate(ADMIN, id, dto, client)).rejects.toBeInstanceOf(
          BadRequestException,
        );
    }
    expect(repo.lockForUpdate).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown user', async () => {
    repo.lockActiveAdmins.mockResolvedValue([ADMIN.id]);
    repo.lockForUpdate.mockResolvedValue(undefined);
    await expect(
      users.adminUpdate(ADMIN, TARGET, { isActive: false }, client),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('hashes the password before inserting and answers 409 for a taken email or username', async () => {
    hasher.hash.mockResolvedValue('$2b$12$hash');
    repo.insert.mockResolvedValue(undefined);
    await expect(
      users.create({ email: 'x@example.org', username: 'xx_x', password: 'pw', birthDate: null }),
    ).rejects.toBeInstanceOf(ConflictException);
    expect(repo.insert).toHaveBeenCalledWith(
      expect.objectContaining({ passwordHash: '$2b$12$hash', role: 'user' }),
    );
    expect(JSON.stringify(repo.insert.mock.calls)).not.toContain('"pw"');
  });
});

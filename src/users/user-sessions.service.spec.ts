import { NotFoundException, UnauthorizedException } from '@nestjs/common';
import { aClient, anAuthenticatedUser, aUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { StepUp } from '../common/auth/step-up';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from './user.repository';
import { UserSessionsService } from './user-sessions.service';

const client = aClient();
const ADMIN = anAuthenticatedUser({ id: 'a0000000-0000-4000-8000-000000000001', role: 'admin' });
const TARGET = 'b0000000-0000-4000-8000-000000000002';

describe('UserSessionsService', () => {
  let service: UserSessionsService;
  let users: jest.Mocked<UserRepository>;
  let sessions: jest.Mocked<SessionsService>;
  let audit: jest.Mocked<AuditService>;
  let stepUp: jest.Mocked<StepUp>;
  let tx: ReturnType<typeof fakeTransactions>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: service, mocks, transactions: tx } = await newTestService(UserSessionsService));
    users = mocks.get(UserRepository);
    sessions = mocks.get(SessionsService);
    audit = mocks.get(AuditService);
    stepUp = mocks.get(StepUp);
  });

  it("an admin's revocation is a sensitive operation: without the proof nothing ends", async () => {
    stepUp.forSensitiveOperation.mockRejectedValue(new UnauthorizedException());
    await expect(
      service.revokeByAdmin(ADMIN, TARGET, { password: 'x' }, client),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    expect(stepUp.forSensitiveOperation).toHaveBeenCalledWith(ADMIN, { password: 'x' }, client);
    expect(sessions.revoke).not.toHaveBeenCalled();
  });

  it('an unknown user is a 404 and ends nothing', async () => {
    users.findById.mockResolvedValue(undefined);
    await expect(service.revokeByAdmin(ADMIN, TARGET, {}, client)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect(sessions.revoke).not.toHaveBeenCalled();
  });

  it('ends every session of the user and audits it, in one transaction', async () => {
    users.findById.mockResolvedValue(aUser({ id: TARGET }));
    sessions.revoke.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return 2;
    });
    await service.revokeByAdmin(ADMIN, TARGET, {}, client);
    expect(sessions.revoke).toHaveBeenCalledWith({ userId: TARGET }, 'revoked_by_admin');
    expect(audit.record).toHaveBeenCalledWith({
      type: 'admin.user.sessions_revoked',
      userId: ADMIN.id,
      client,
      metadata: { targetUserId: TARGET, sessionsRevoked: 2 },
    });
  });

  it('the operator names the account by its address, in any case; an unknown one ends nothing', async () => {
    users.findByEmail.mockResolvedValueOnce(aUser({ id: TARGET })).mockResolvedValueOnce(undefined);
    sessions.revoke.mockResolvedValue(3);
    await expect(service.revokeByOperator(' Bob@Example.org ')).resolves.toBe(3);
    expect(users.findByEmail).toHaveBeenCalledWith('bob@example.org');
    await expect(service.revokeByOperator('nobody@example.org')).resolves.toBeUndefined();
    expect(sessions.revoke).toHaveBeenCalledTimes(1);
  });
});

import { BadRequestException } from '@nestjs/common';
import { aClient, aMailAllowance, aUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { INVALID_LINK } from '../common/auth/account-messages';
import { AccountTokensService } from './account-tokens.service';
import { DeferredWork } from './deferred-work';
import { PasswordResetService } from './password-reset.service';

const user = aUser({ emailVerified: false, mfaEnabled: true });
const client = aClient();
const STRONG = 'Violet-Harbor-Lamp-42';

describe('PasswordResetService', () => {
  let service: PasswordResetService;
  let deferredWork: DeferredWork;
  let tx: ReturnType<typeof fakeTransactions>;
  let tokens: jest.Mocked<AccountTokensService>;
  let users: jest.Mocked<UsersService>;
  let userRows: jest.Mocked<UserRepository>;
  let hasher: jest.Mocked<PasswordHasher>;
  let sessions: jest.Mocked<SessionsService>;
  let mail: jest.Mocked<MailService>;
  let quota: jest.Mocked<MailQuota>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    const built = await newTestService(PasswordResetService, { real: [DeferredWork] });
    ({ sut: service, mocks, transactions: tx } = built);
    deferredWork = built.module.get(DeferredWork);
    tokens = mocks.get(AccountTokensService);
    users = mocks.get(UsersService);
    userRows = mocks.get(UserRepository);
    hasher = mocks.get(PasswordHasher);
    sessions = mocks.get(SessionsService);
    mail = mocks.get(MailService);
    quota = mocks.get(MailQuota);
    audit = mocks.get(AuditService);
    tokens.ownerOf.mockResolvedValue(user.id);
    tokens.spend.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return { userId: user.id, tokenHash: 'h', newEmail: null };
    });
    tokens.issue.mockResolvedValue({ token: 't', validFor: '30 minutes' });
    users.get.mockResolvedValue(user);
    hasher.hash.mockResolvedValue('$2b$12$new');
    sessions.revoke.mockResolvedValue(2);
    quota.take.mockResolvedValue(aMailAllowance());
  });

  it('forgot returns before it looks anything up; the work runs right after', async () => {
    userRows.findCredentials.mockResolvedValue({ user, passwordHash: 'h', credentialsVersion: 4 });
    service.forgot(user.email, client);
    expect(quota.take).not.toHaveBeenCalled();
    expect(userRows.findCredentials).not.toHaveBeenCalled();
    await deferredWork.drain();
    expect(tokens.issue).toHaveBeenCalledWith({
      userId: user.id,
      purpose: 'password_reset',
      credentialsVersion: 4,
    });
    expect(mail.enqueue).toHaveBeenCalledWith(
      expect.objectContaining({ purpose: 'password-reset', to: user.email }),
    );
  });

  it.each([
    ['unknown_email', undefined, true],
    ['inactive', { ...user, isActive: false }, true],
    ['mail_quota', user, false],
  ])('forgot mails nothing for %s, and audits why', async (reason, found, allowed) => {
    userRows.findCredentials.mockResolvedValue(
      found && { user: found, passwordHash: 'h', credentialsVersion: 1 },
    );
    quota.take.mockResolvedValue(aMailAllowance({ allowed, retryAfterSeconds: 60 }));
    service.forgot('x@example.org', client);
    await deferredWork.drain();
    // Counted whether or not it exists; the owner's bucket only for a known account (its network decides).
    expect(quota.take).toHaveBeenCalledWith('x@example.org', {
      client,
      owner: found && { userId: user.id, viaOwnSession: false },
    });
    expect(tokens.issue).not.toHaveBeenCalled();
    expect(mail.enqueue).not.toHaveBeenCalled();
    expect(mail.notify).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.password.reset_requested',
        metadata: { mailed: false, reason },
      }),
    );
  });

  it('a password that breaks the policy is refused before the link is spent', async () => {
    const error = await service.reset('t', 'short', client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
    expect(tokens.spend).not.toHaveBeenCalled();
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('reset: one transaction spends the link, replaces the password, revokes every session, audits and notifies; MFA untouched', async () => {
    await service.reset('t', STRONG, client);
    expect(userRows.replacePassword).toHaveBeenCalledWith(user.id, '$2b$12$new');
    expect(sessions.revoke).toHaveBeenCalledWith({ userId: user.id }, 'password_reset');
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.password.reset', metadata: { sessionsRevoked: 2 } }),
    );
    expect(mail.notify).toHaveBeenCalledWith(user, 'password-changed', {});
    expect(userRows.setMfaEnabled).not.toHaveBeenCalled();
  });

  it('replaces no password when spending the link is refused', async () => {
    tokens.spend.mockRejectedValue(new BadRequestException(INVALID_LINK));
    await expect(service.reset('t', STRONG, client)).rejects.toThrow(INVALID_LINK);
    expect(userRows.replacePassword).not.toHaveBeenCalled();
  });
});

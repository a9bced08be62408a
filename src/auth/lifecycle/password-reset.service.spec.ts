import { BadRequestException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { client, fakeTransactions } from '../../../test/support/unit-doubles';
import { AuditService } from '../../audit/audit.service';
import { PasswordHasher } from '../../crypto/password-hasher.service';
import { Transactions } from '../../database/transactions';
import { MailService } from '../../mail/mail.service';
import { MailQuota } from '../../rate-limit/mail-quota';
import { SessionsService } from '../../sessions/sessions.service';
import type { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { INVALID_LINK } from '../../common/auth/account-messages';
import { AccountTokensService } from './account-tokens.service';
import { DeferredWork } from './deferred-work';
import { PasswordResetService } from './password-reset.service';

const user: User = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  email: 'ada@example.org',
  username: 'ada',
  role: 'user',
  isActive: true,
  emailVerified: false,
  mfaEnabled: true,
  birthDate: '1990-01-01',
  createdAt: new Date(),
  updatedAt: new Date(),
};
const STRONG = 'Violet-Harbor-Lamp-42';

describe('PasswordResetService', () => {
  let service: PasswordResetService;
  let deferredWork: DeferredWork;
  const tx = fakeTransactions();
  const tokens = { ownerOf: jest.fn(), spend: jest.fn(), issue: jest.fn() };
  const users = {
    get: jest.fn(),
    findCredentials: jest.fn(),
    replacePassword: jest.fn(),
    markEmailVerified: jest.fn(),
    setMfaEnabled: jest.fn(),
  };
  const hasher = { hash: jest.fn() };
  const sessions = { revoke: jest.fn() };
  const mail = { enqueue: jest.fn(), notify: jest.fn() };
  const quota = { take: jest.fn() };
  const audit = { record: jest.fn() };

  beforeEach(async () => {
    jest.resetAllMocks();
    tokens.ownerOf.mockResolvedValue(user.id);
    tokens.spend.mockImplementation(async () => {
      expect(tx.inTransaction()).toBe(true);
      return { userId: user.id, tokenHash: 'h', newEmail: null };
    });
    tokens.issue.mockResolvedValue({ token: 't', validFor: '30 minutes' });
    users.get.mockResolvedValue(user);
    hasher.hash.mockResolvedValue('$2b$12$new');
    sessions.revoke.mockResolvedValue(2);
    quota.take.mockResolvedValue({ allowed: true, retryAfterSeconds: 1 });
    const module = await Test.createTestingModule({
      providers: [
        PasswordResetService,
        DeferredWork,
        { provide: AccountTokensService, useValue: tokens },
        { provide: UsersService, useValue: users },
        { provide: PasswordHasher, useValue: hasher },
        { provide: SessionsService, useValue: sessions },
        { provide: MailService, useValue: mail },
        { provide: MailQuota, useValue: quota },
        { provide: AuditService, useValue: audit },
        { provide: Transactions, useValue: tx },
      ],
    }).compile();
    service = module.get(PasswordResetService);
    deferredWork = module.get(DeferredWork);
  });

  it('forgot returns before it looks anything up; the work runs right after', async () => {
    users.findCredentials.mockResolvedValue({ user, passwordHash: 'h', credentialsVersion: 4 });
    service.forgot(user.email, client);
    expect(quota.take).not.toHaveBeenCalled();
    expect(users.findCredentials).not.toHaveBeenCalled();
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
    users.findCredentials.mockResolvedValue(
      found && { user: found, passwordHash: 'h', credentialsVersion: 1 },
    );
    quota.take.mockResolvedValue({ allowed, retryAfterSeconds: 60 });
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
    expect(users.replacePassword).toHaveBeenCalledWith(user.id, '$2b$12$new');
    expect(sessions.revoke).toHaveBeenCalledWith({ userId: user.id }, 'password_reset');
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.password.reset', metadata: { sessionsRevoked: 2 } }),
    );
    expect(mail.notify).toHaveBeenCalledWith(user, 'password-changed', {});
    expect(users.setMfaEnabled).not.toHaveBeenCalled();
  });

  it('a link spent by a racing request → 400, nothing replaced', async () => {
    tokens.spend.mockRejectedValue(new BadRequestException(INVALID_LINK));
    await expect(service.reset('t', STRONG, client)).rejects.toThrow(INVALID_LINK);
    expect(users.replacePassword).not.toHaveBeenCalled();
  });
});

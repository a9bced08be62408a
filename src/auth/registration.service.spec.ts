import { ConflictException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { client, fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { Env } from '../config/env.schema';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import type { User } from '../users/user.entity';
import { UsernameReservationService } from '../users/username-reservation.service';
import { USERNAME_TAKEN, UsersService } from '../users/users.service';
import { EmailVerificationService } from './lifecycle/email-verification.service';
import { RegistrationService } from './registration.service';

const owner: User = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  email: 'ada@example.org',
  username: 'ada',
  role: 'user',
  isActive: true,
  emailVerified: true,
  mfaEnabled: false,
  birthDate: '1990-01-01',
  createdAt: new Date(),
  updatedAt: new Date(),
};
const dto = {
  email: 'ada@example.org',
  username: 'someone_else',
  password: 'Typed-Password-42!',
  birthDate: '1991-02-03',
};

describe('RegistrationService', () => {
  const tx = fakeTransactions();
  const order: string[] = [];
  const users = { create: jest.fn(), createUnlessEmailTaken: jest.fn() };
  const usernames = { reserve: jest.fn(), sweepExpired: jest.fn() };
  const verification = { sendOnRegistration: jest.fn() };
  const mail = { notify: jest.fn() };
  const quota = { take: jest.fn() };
  const audit = { record: jest.fn<Promise<void>, [{ metadata?: unknown }]>() };

  async function service(requireVerifiedEmail: boolean): Promise<RegistrationService> {
    const env = { requireVerifiedEmail, EMAIL_VERIFY_TTL: '24h' } as Env;
    const module = await Test.createTestingModule({
      providers: [
        RegistrationService,
        { provide: UsersService, useValue: users },
        { provide: UsernameReservationService, useValue: usernames },
        { provide: EmailVerificationService, useValue: verification },
        { provide: MailService, useValue: mail },
        { provide: MailQuota, useValue: quota },
        { provide: AuditService, useValue: audit },
        { provide: Transactions, useValue: tx },
        { provide: Env, useValue: env },
      ],
    }).compile();
    return module.get(RegistrationService);
  }

  const step = (name: string) => async () => {
    order.push(`${name}${tx.inTransaction() ? ' (tx)' : ''}`);
  };

  beforeEach(() => {
    jest.resetAllMocks();
    order.length = 0;
    usernames.sweepExpired.mockImplementation(step('sweep'));
    usernames.reserve.mockImplementation(step('reserve'));
    quota.take.mockResolvedValue({ allowed: true, retryAfterSeconds: 1 });
  });

  describe('REQUIRE_VERIFIED_EMAIL=false', () => {
    it('creates the account openly, audits it and sends the link in one transaction; reserves nothing', async () => {
      users.create.mockImplementation(async () => (await step('create')(), owner));
      verification.sendOnRegistration.mockImplementation(step('link'));
      const outcome = await (await service(false)).register(dto, client);
      expect(outcome).toEqual({ created: owner });
      expect(order).toEqual(['create (tx)', 'link (tx)']);
      expect(audit.record).toHaveBeenCalledWith({
        type: 'auth.register',
        userId: owner.id,
        client,
      });
      expect(usernames.reserve).not.toHaveBeenCalled();
    });
  });

  describe('REQUIRE_VERIFIED_EMAIL=true', () => {
    it('reserves the username for EMAIL_VERIFY_TTL before the address is looked up, in the transaction', async () => {
      users.createUnlessEmailTaken.mockImplementation(
        async () => (await step('create or find')(), { created: owner }),
      );
      const outcome = await (await service(true)).register(dto, client);
      expect(outcome).toEqual({ accepted: true });
      expect(order).toEqual(['sweep', 'reserve (tx)', 'create or find (tx)']);
      expect(usernames.reserve).toHaveBeenCalledWith(dto.username, 86_400);
      expect(verification.sendOnRegistration).toHaveBeenCalledWith(owner, client);
    });

    it('a taken username is a 409 before any hashing or lookup', async () => {
      usernames.reserve.mockRejectedValue(new ConflictException(USERNAME_TAKEN));
      await expect((await service(true)).register(dto, client)).rejects.toThrow(USERNAME_TAKEN);
      expect(users.createUnlessEmailTaken).not.toHaveBeenCalled();
      expect(mail.notify).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });

    it('a taken address: the owner is told (nothing the caller typed is passed on), audited, accepted', async () => {
      users.createUnlessEmailTaken.mockResolvedValue({ existing: owner });
      const outcome = await (await service(true)).register(dto, client);
      expect(outcome).toEqual({ accepted: true });
      expect(quota.take).toHaveBeenCalledWith(owner.email, { client });
      expect(mail.notify).toHaveBeenCalledWith(owner, 'registration-attempt', {});
      expect(verification.sendOnRegistration).not.toHaveBeenCalled();
      expect(audit.record).toHaveBeenCalledWith({
        type: 'auth.register.address_taken',
        userId: owner.id,
        client,
        metadata: { mailed: true },
      });
      expect(JSON.stringify(audit.record.mock.calls)).not.toContain(dto.password);
    });

    it('over the address quota, or for a deactivated owner: no mail, still accepted', async () => {
      const registration = await service(true);
      quota.take.mockResolvedValue({ allowed: false, retryAfterSeconds: 60 });
      users.createUnlessEmailTaken.mockResolvedValue({ existing: owner });
      await expect(registration.register(dto, client)).resolves.toEqual({ accepted: true });
      quota.take.mockResolvedValue({ allowed: true, retryAfterSeconds: 1 });
      users.createUnlessEmailTaken.mockResolvedValue({ existing: { ...owner, isActive: false } });
      await expect(registration.register(dto, client)).resolves.toEqual({ accepted: true });
      expect(mail.notify).not.toHaveBeenCalled();
      expect(audit.record.mock.calls.map(([event]) => event.metadata)).toEqual([
        { mailed: false, reason: 'mail_quota' },
        { mailed: false, reason: 'inactive' },
      ]);
    });
  });
});

import { ConflictException, Logger } from '@nestjs/common';
import { aClient, aMailAllowance, aUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import type { fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import type { NewUserRow } from '../users/user.repository';
import { UsernameReservationService } from '../users/username-reservation.service';
import { USERNAME_TAKEN, UsersService } from '../users/users.service';
import { DeferredWork } from './deferred-work';
import { EmailVerificationService } from './email-verification.service';
import { RegistrationService } from './registration.service';

const owner = aUser();
const client = aClient();
const dto = {
  email: 'ada@example.org',
  username: 'someone_else',
  password: 'Typed-Password-42!',
  birthDate: '1991-02-03',
};

describe('RegistrationService', () => {
  let registration: RegistrationService;
  let tx: ReturnType<typeof fakeTransactions>;
  const order: string[] = [];
  let users: jest.Mocked<UsersService>;
  let usernames: jest.Mocked<UsernameReservationService>;
  let verification: jest.Mocked<EmailVerificationService>;
  let mail: jest.Mocked<MailService>;
  let quota: jest.Mocked<MailQuota>;
  let audit: jest.Mocked<AuditService>;
  let deferredWork: DeferredWork;
  const row: NewUserRow = {
    email: dto.email,
    username: dto.username,
    passwordHash: '$2b$12$hashed',
    birthDate: dto.birthDate,
    role: 'user',
  };

  /** The setting is read once, when the service is built. */
  async function build(requireVerifiedEmail: boolean): Promise<void> {
    let mocks: Mocks;
    const built = await newTestService(RegistrationService, {
      env: { REQUIRE_VERIFIED_EMAIL: requireVerifiedEmail, EMAIL_VERIFY_TTL: '24h' },
      real: [DeferredWork],
    });
    ({ sut: registration, mocks, transactions: tx } = built);
    deferredWork = built.module.get(DeferredWork);
    users = mocks.get(UsersService);
    usernames = mocks.get(UsernameReservationService);
    verification = mocks.get(EmailVerificationService);
    mail = mocks.get(MailService);
    quota = mocks.get(MailQuota);
    audit = mocks.get(AuditService);
    order.length = 0;
    usernames.sweepExpired.mockImplementation(step('sweep'));
    usernames.reserve.mockImplementation(step('reserve'));
    quota.take.mockResolvedValue(aMailAllowance());
    users.prepareNewAccount.mockImplementation(async () => (await step('hash')(), row));
  }

  /** register, and then the work it left for after its answer. */
  async function registerAndSettle(): Promise<unknown> {
    const outcome = await registration.register(dto, client);
    await deferredWork.drain();
    return outcome;
  }

  const step = (name: string) => async () => {
    order.push(`${name}${tx.inTransaction() ? ' (tx)' : ''}`);
  };

  describe('REQUIRE_VERIFIED_EMAIL=false', () => {
    beforeEach(() => build(false));

    it('creates the account openly, audits it and sends the link in one transaction; reserves nothing', async () => {
      users.create.mockImplementation(async () => (await step('create')(), owner));
      verification.sendOnRegistration.mockImplementation(step('link'));
      const outcome = await registration.register(dto, client);
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
    beforeEach(() => build(true));

    it('reserves the username for EMAIL_VERIFY_TTL and hashes, then answers; the address is looked up only after', async () => {
      users.insertUnlessEmailTaken.mockImplementation(
        async () => (await step('create or find')(), { created: owner }),
      );
      const outcome = await registration.register(dto, client);
      expect(outcome).toEqual({ accepted: true });
      expect(order).toEqual(['sweep', 'reserve', 'hash']);
      expect(usernames.reserve).toHaveBeenCalledWith(dto.username, 86_400);
      expect(users.prepareNewAccount).toHaveBeenCalledWith(dto);
      expect(users.insertUnlessEmailTaken).not.toHaveBeenCalled();

      await deferredWork.drain();
      expect(order).toEqual(['sweep', 'reserve', 'hash', 'create or find (tx)']);
      expect(users.insertUnlessEmailTaken).toHaveBeenCalledWith(row);
      expect(verification.sendOnRegistration).toHaveBeenCalledWith(owner, client);
      expect(audit.record).toHaveBeenCalledWith({
        type: 'auth.register',
        userId: owner.id,
        client,
      });
    });

    it('a taken username is a 409 before any hashing or lookup', async () => {
      usernames.reserve.mockRejectedValue(new ConflictException(USERNAME_TAKEN));
      await expect(registerAndSettle()).rejects.toThrow(USERNAME_TAKEN);
      expect(users.prepareNewAccount).not.toHaveBeenCalled();
      expect(users.insertUnlessEmailTaken).not.toHaveBeenCalled();
      expect(mail.notify).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });

    it('a taken address: the owner is told (nothing the caller typed is passed on), audited, accepted', async () => {
      users.insertUnlessEmailTaken.mockResolvedValue({ existing: owner });
      const outcome = await registerAndSettle();
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
      quota.take.mockResolvedValue(aMailAllowance({ allowed: false, retryAfterSeconds: 60 }));
      users.insertUnlessEmailTaken.mockResolvedValue({ existing: owner });
      await expect(registerAndSettle()).resolves.toEqual({ accepted: true });
      quota.take.mockResolvedValue(aMailAllowance());
      users.insertUnlessEmailTaken.mockResolvedValue({ existing: { ...owner, isActive: false } });
      await expect(registerAndSettle()).resolves.toEqual({ accepted: true });
      expect(mail.notify).not.toHaveBeenCalled();
      expect(audit.record.mock.calls.map(([event]) => event.metadata)).toEqual([
        { mailed: false, reason: 'mail_quota' },
        { mailed: false, reason: 'inactive' },
      ]);
    });

    it('a failure after the answer is logged, never thrown at the caller who already has a 202', async () => {
      users.insertUnlessEmailTaken.mockRejectedValue(new Error('connection terminated'));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        await expect(registerAndSettle()).resolves.toEqual({ accepted: true });
        expect(logged).toHaveBeenCalledWith('registration failed', expect.any(Error));
      } finally {
        logged.mockRestore();
      }
      expect(verification.sendOnRegistration).not.toHaveBeenCalled();
    });
  });
});

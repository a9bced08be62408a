import { aClient, aUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import { AuditService } from '../audit/audit.service';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { MailService } from '../mail/mail.service';
import { SecondFactorLimiter } from '../rate-limit/second-factor-limiter';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorService } from './second-factor.service';
import { TotpService } from './totp.service';

const owner = aUser({ id: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f' });
const client = aClient();

describe('SecondFactorService', () => {
  let service: SecondFactorService;
  const order: string[] = [];
  let totp: jest.Mocked<TotpService>;
  let recovery: jest.Mocked<RecoveryCodesService>;
  let limiter: jest.Mocked<SecondFactorLimiter>;
  let mail: jest.Mocked<MailService>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: service, mocks } = await newTestService(SecondFactorService));
    totp = mocks.get(TotpService);
    recovery = mocks.get(RecoveryCodesService);
    limiter = mocks.get(SecondFactorLimiter);
    mail = mocks.get(MailService);
    audit = mocks.get(AuditService);
    order.length = 0;
    limiter.reserve.mockImplementation(async () => void order.push('reserve'));
    totp.accept.mockImplementation(async () => (order.push('check'), true));
  });

  it('counts the guess against the account before checking it, and forgives a right one', async () => {
    await expect(service.check(owner, { code: '123456' }, client)).resolves.toBe('otp');
    expect(order).toEqual(['reserve', 'check']);
    expect(limiter.forgive).toHaveBeenCalledWith(owner.id, client);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('never checks a code once the account limit refuses', async () => {
    limiter.reserve.mockRejectedValue(
      new RateLimitExceededException('Too many', { limit: 5, retryAfterSeconds: 60 }),
    );
    await expect(service.check(owner, { code: '123456' }, client)).rejects.toBeInstanceOf(
      RateLimitExceededException,
    );
    expect(totp.accept).not.toHaveBeenCalled();
  });

  it('tells the owner of a block once a window, and never checks the refused guess', async () => {
    limiter.reserve.mockRejectedValue(
      new RateLimitExceededException('Too many', { limit: 5, retryAfterSeconds: 60 }),
    );
    limiter.firstNoticeOfWindow.mockResolvedValueOnce(true).mockResolvedValue(false);
    for (let i = 0; i < 3; i++)
      await expect(service.check(owner, { code: '123456' }, client)).rejects.toBeInstanceOf(
        RateLimitExceededException,
      );
    expect(mail.notify).toHaveBeenCalledTimes(1);
    expect(mail.notify).toHaveBeenCalledWith(owner, 'mfa-failures', {});
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.mfa.failure_notice', userId: owner.id }),
    );
    expect(totp.accept).not.toHaveBeenCalled();
  });

  it('audits a wrong code and keeps it counted', async () => {
    totp.accept.mockResolvedValue(false);
    await expect(service.check(owner, { code: '123456' }, client)).resolves.toBeUndefined();
    expect(limiter.forgive).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.mfa.failure', userId: owner.id }),
    );
  });

  it('takes a recovery code as "rec" and audits its use with the codes left', async () => {
    recovery.consume.mockResolvedValue(true);
    recovery.remaining.mockResolvedValue(9);
    await expect(
      service.check(owner, { recoveryCode: 'aaaa-bbbb-cccc-dddd-eeee' }, client),
    ).resolves.toBe('rec');
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.mfa.recovery_used', metadata: { remaining: 9 } }),
    );
  });

  it('sends no notice for a failure that is not a block, and passes it on', async () => {
    limiter.reserve.mockRejectedValue(new Error('storage failed'));
    await expect(service.check(owner, { code: '123456' }, client)).rejects.toThrow(
      'storage failed',
    );
    expect(limiter.firstNoticeOfWindow).not.toHaveBeenCalled();
    expect(mail.notify).not.toHaveBeenCalled();
  });

  it('sends no notice when the window already had one', async () => {
    limiter.reserve.mockRejectedValue(
      new RateLimitExceededException('Too many', { limit: 5, retryAfterSeconds: 60 }),
    );
    limiter.firstNoticeOfWindow.mockResolvedValue(false);
    await expect(service.check(owner, { code: '123456' }, client)).rejects.toBeInstanceOf(
      RateLimitExceededException,
    );
    expect(mail.notify).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('audits a wrong guess with its route and kind of factor', async () => {
    recovery.consume.mockResolvedValue(false);
    await expect(
      service.check(owner, { recoveryCode: 'aaaa-bbbb-cccc-dddd-eeee' }, client),
    ).resolves.toBeUndefined();
    expect(recovery.remaining).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith({
      type: 'auth.mfa.failure',
      userId: owner.id,
      client,
      metadata: { route: client.route, method: 'recovery_code' },
    });
  });

  it('fails a proof that names no factor', async () => {
    await expect(service.check(owner, {}, client)).resolves.toBeUndefined();
  });
});

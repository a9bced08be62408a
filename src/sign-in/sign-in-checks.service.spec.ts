import { ForbiddenException } from '@nestjs/common';
import { aClient, aUser } from '../../test/support/factories';
import { newTestService } from '../../test/support/test-service';
import { AuditService } from '../audit/audit.service';
import type { Env } from '../config/env.schema';
import { MailService } from '../mail/mail.service';
import { KnownNetworks } from '../rate-limit/known-networks';
import { KnownDeviceRepository } from './known-device.repository';
import { EMAIL_NOT_VERIFIED } from '../common/auth/account-messages';
import { SignInChecksService } from './sign-in-checks.service';

const user = aUser({ emailVerified: false });
const client = aClient();
const DAY = 86_400_000;

describe('SignInChecksService', () => {
  let devices: jest.Mocked<KnownDeviceRepository>;
  let networks: jest.Mocked<KnownNetworks>;
  let mail: jest.Mocked<MailService>;
  let audit: jest.Mocked<AuditService>;

  async function build(env: Partial<Env>): Promise<SignInChecksService> {
    const { sut, mocks } = await newTestService(SignInChecksService, {
      env: { PASSWORD_PEPPER: 'p'.repeat(32), ...env },
    });
    devices = mocks.get(KnownDeviceRepository);
    networks = mocks.get(KnownNetworks);
    mail = mocks.get(MailService);
    audit = mocks.get(AuditService);
    return sut;
  }

  it('REQUIRE_VERIFIED_EMAIL=true: an unverified address → 403 "email not verified", audited', async () => {
    const checks = await build({ REQUIRE_VERIFIED_EMAIL: true });
    const error = await checks.assertMaySignIn(user, client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenException);
    expect((error as Error).message).toBe(EMAIL_NOT_VERIFIED);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.login.failure',
        metadata: { reason: 'email_not_verified' },
      }),
    );
    await expect(
      checks.assertMaySignIn({ ...user, emailVerified: true }, client),
    ).resolves.toBeUndefined();
  });

  it('outside production by default an unverified address may sign in', async () => {
    const checks = await build({ NODE_ENV: 'development' });
    await expect(checks.assertMaySignIn(user, client)).resolves.toBeUndefined();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it.each([
    ['a first sign-in ever', { previouslySeenAt: null, otherDevices: 0 }, false],
    [
      'a device seen yesterday',
      { previouslySeenAt: new Date(Date.now() - DAY), otherDevices: 1 },
      false,
    ],
    ['a new device on an account with others', { previouslySeenAt: null, otherDevices: 2 }, true],
    [
      'a device last seen 91 days ago',
      { previouslySeenAt: new Date(Date.now() - 91 * DAY), otherDevices: 1 },
      true,
    ],
  ])('new sign-in notice: %s → %s', async (_case, sighting, notified) => {
    const checks = await build({ NOTIFY_NEW_SIGNIN: true });
    devices.recordSighting.mockResolvedValue(sighting);
    await checks.signedIn(user, client);
    expect(mail.notify).toHaveBeenCalledTimes(notified ? 1 : 0);
    if (notified)
      expect(mail.notify).toHaveBeenCalledWith(user, 'new-signin', {
        ip: client.ip,
        device: 'an unrecognised browser on an unrecognised system', // the agent 'unit'
      });
  });

  it('the notice names the device by browser and OS family, never by the raw User-Agent', async () => {
    const checks = await build({ NOTIFY_NEW_SIGNIN: true });
    devices.recordSighting.mockResolvedValue({ previouslySeenAt: null, otherDevices: 1 });
    const userAgent =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 (Visit http://evil.example)';
    await checks.signedIn(user, { ...client, userAgent, ip: '::ffff:198.51.100.7' });
    expect(mail.notify).toHaveBeenCalledWith(user, 'new-signin', {
      ip: '198.51.100.7',
      device: 'Chrome on macOS',
    });
  });

  it('stores a keyed fingerprint: same device and /24 → same; another agent or network → another; never the raw values', async () => {
    const checks = await build({ NOTIFY_NEW_SIGNIN: true });
    devices.recordSighting.mockResolvedValue({ previouslySeenAt: null, otherDevices: 0 });
    await checks.signedIn(user, client);
    await checks.signedIn(user, { ...client, ip: '203.0.113.77' }); // same /24
    await checks.signedIn(user, { ...client, ip: '198.51.100.5' });
    await checks.signedIn(user, { ...client, userAgent: 'other' });
    const prints = devices.recordSighting.mock.calls.map((call: unknown[]) => call[1] as string);
    expect(prints[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(prints[1]).toBe(prints[0]);
    expect(new Set(prints).size).toBe(3);
    expect(JSON.stringify(devices.recordSighting.mock.calls)).not.toMatch(/203\.0\.113|unit/);
  });

  it('NOTIFY_NEW_SIGNIN=false: no device recorded, nothing mailed; the network is still remembered', async () => {
    const checks = await build({ NOTIFY_NEW_SIGNIN: false });
    await checks.signedIn(user, client);
    expect(devices.recordSighting).not.toHaveBeenCalled();
    expect(mail.notify).not.toHaveBeenCalled();
    expect(networks.remember).toHaveBeenCalledWith(user.id, client.ip);
  });
});

import { ForbiddenException, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { EMAIL_NOT_VERIFIED } from '../common/auth/account-messages';
import type { ClientContext } from '../common/http/client-context';
import { describeDevice } from '../common/http/device-description';
import { parseIp } from '../common/http/ip-address';
import { AccountsConfig } from '../config/config-sections';
import { CryptoOptions } from '../crypto/crypto-options';
import { hmacSha256Hex } from '../crypto/digest';
import { MailService } from '../mail/mail.service';
import { clientNetwork } from '../rate-limit/client-network';
import { KnownNetworks } from '../rate-limit/known-networks';
import type { User } from '../users/user.entity';
import { KnownDeviceRepository } from './known-device.repository';

/** A device and network unseen for this long counts as new again. */
const NEW_AFTER_MS = 90 * 24 * 3_600_000;

/**
 * What every sign-in checks besides its proofs: the REQUIRE_VERIFIED_EMAIL gate, and the notice of
 * a sign-in from a device and network not seen for the account in 90 days (NOTIFY_NEW_SIGNIN).
 * Kept apart so the password step stays one readable method.
 */
@Injectable()
export class SignInChecksService {
  private readonly requireVerified: boolean;
  private readonly notifyNewSignIn: boolean;
  /** Derived from the pepper with its own label: fingerprints mean nothing without the secret. */
  private readonly fingerprintKey: string;

  constructor(
    private readonly devices: KnownDeviceRepository,
    private readonly networks: KnownNetworks,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    accounts: AccountsConfig,
    crypto: CryptoOptions,
  ) {
    this.requireVerified = accounts.requireVerifiedEmail;
    this.notifyNewSignIn = accounts.notifyNewSignIn;
    this.fingerprintKey = hmacSha256Hex(crypto.passwordPepper, 'known-device-fingerprint/v1');
  }

  /** After the password proved right: 403 when the address must be verified first (audited). */
  async assertMaySignIn(user: User, client: ClientContext): Promise<void> {
    if (!this.requireVerified || user.emailVerified) return;
    await this.audit.record({
      type: 'auth.login.failure',
      userId: user.id,
      client,
      metadata: { reason: 'email_not_verified' },
    });
    throw new ForbiddenException(EMAIL_NOT_VERIFIED);
  }

  /**
   * Inside the sign-in's transaction: remembers the network (/24, /64) for the mail quota, which
   * then knows requests from it as the owner's; and, with NOTIFY_NEW_SIGNIN, the device (user
   * agent) and network together, queueing the notice when they are new for an account that has
   * signed in before (a first sign-in has nothing to compare with). Both as HMACs, never the raw
   * address or user agent.
   */
  async signedIn(user: User, client: ClientContext): Promise<void> {
    await this.networks.remember(user.id, client.ip);
    if (!this.notifyNewSignIn) return;
    const fingerprint = hmacSha256Hex(
      this.fingerprintKey,
      user.id,
      '\n',
      client.userAgent ?? '',
      '\n',
      clientNetwork(client.ip),
    );
    const { previouslySeenAt, otherDevices } = await this.devices.recordSighting(
      user.id,
      fingerprint,
    );
    const fresh =
      previouslySeenAt === null || Date.now() - previouslySeenAt.getTime() > NEW_AFTER_MS;
    if (!fresh || otherDevices === 0) return;
    // The notice quotes nothing the caller chose: the device as a known browser and OS family,
    // the address only as a parsed IP.
    await this.mail.notify(user, 'new-signin', {
      ip: parseIp(client.ip)?.toString() ?? 'an unrecognised address',
      device: describeDevice(client.userAgent),
    });
  }
}

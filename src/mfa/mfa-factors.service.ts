import { Injectable } from '@nestjs/common';
import { TotpService } from './totp.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { UsersService } from '../users/users.service';

/** How a second step can be taken, as the login's `methods` names them. */
export type MfaMethod = 'totp' | 'recovery_code' | 'passkey';

/**
 * What factors an account has, and the `users.mfa_enabled` flag that summarises them (read by the
 * per-request check with the account): on while a confirmed authenticator or a passkey exists.
 */
@Injectable()
export class MfaFactorsService {
  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly passkeys: PasskeyRepository,
    private readonly users: UsersService,
  ) {}

  async methods(userId: string): Promise<MfaMethod[]> {
    const methods: MfaMethod[] = [];
    if (await this.totp.isEnabled(userId)) methods.push('totp');
    if ((await this.recovery.remaining(userId)) > 0) methods.push('recovery_code');
    if ((await this.passkeys.countForUser(userId)) > 0) methods.push('passkey');
    return methods;
  }

  /** Recomputes the flag inside the caller's transaction (after a factor was added or removed). */
  async refreshFlag(userId: string): Promise<boolean> {
    const enabled =
      (await this.totp.isEnabled(userId)) || (await this.passkeys.countForUser(userId)) > 0;
    await this.users.setMfaEnabled(userId, enabled);
    return enabled;
  }
}

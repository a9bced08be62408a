import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { normaliseEmail } from '../common/text/normalise-email';
import { AccountsConfig, PasswordPolicyConfig } from '../config/config-sections';
import { randomSuffix } from '../crypto/random';
import { Transactions } from '../database/transactions';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { passwordPolicyViolations } from './password-policy';

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD at start, and for the create-admin CLI,
 * with its address verified.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly config: AccountsConfig,
    private readonly policy: PasswordPolicyConfig,
    private readonly users: UsersService,
    private readonly userRows: UserRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const created = await this.createAdmin(admin.email, admin.password);
    if (created)
      this.logger.log({ message: 'admin account created from ADMIN_EMAIL', userId: created });
  }

  /** Returns the new admin's id, or undefined when an account with that email already exists. */
  async createAdmin(rawEmail: string, password: string): Promise<string | undefined> {
    const email = normaliseEmail(rawEmail);
    if (await this.userRows.findByEmail(email)) return undefined;
    const username = adminUsername(email);
    const problems = passwordPolicyViolations(password, { username, email }, this.policy);
    if (problems.length > 0)
      throw new Error(`ADMIN_PASSWORD does not meet the password policy: ${problems.join(' ')}`);
    return this.tx.run(async () => {
      const user = await this.users.create({
        email,
        username,
        password,
        birthDate: null,
        role: 'admin',
      });
      // The operator vouches for the address. Unverified, the admin could not sign in under
      // REQUIRE_VERIFIED_EMAIL, nor ask for a link without a session.
      await this.userRows.markEmailVerified(user.id);
      await this.audit.record({
        type: 'admin.user.created',
        userId: user.id,
        metadata: { via: 'bootstrap' },
      });
      return user.id;
    });
  }
}

function adminUsername(email: string): string {
  const base = email
    .split('@')[0]
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 24);
  return `${base.length >= 3 ? base : 'admin'}_${randomSuffix(4)}`;
}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PasswordPolicyConfig } from '../config/config-sections';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountTokenRepository } from './account-token.repository';
import { AccountTokensService } from './account-tokens.service';
import { AccountController } from './account.controller';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { DeferredWork } from './deferred-work';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationService } from './email-verification.service';
import { LifecycleController } from './lifecycle.controller';
import { usePasswordPolicy } from './password-policy-settings';
import { PasswordResetService } from './password-reset.service';
import { PasswordService } from './password.service';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

/**
 * The account's lifecycle: registration, email verification, password reset and change, email
 * change, their one-time links, and the password policy. Proofs come through the StepUp port.
 */
@Module({
  imports: [UsersModule, SessionsModule, CryptoModule, AuditModule, RateLimitModule, MailModule],
  controllers: [RegistrationController, AccountController, LifecycleController],
  providers: [
    RegistrationService,
    PasswordService,
    AdminBootstrapService,
    AccountTokenRepository,
    AccountTokensService,
    DeferredWork,
    EmailVerificationService,
    PasswordResetService,
    EmailChangeService,
  ],
  exports: [AdminBootstrapService],
})
export class AccountModule {
  // Registration's @MeetsPasswordPolicy runs outside dependency injection: hand it the policy.
  constructor(policy: PasswordPolicyConfig) {
    usePasswordPolicy(policy);
  }
}

import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { StepUp } from '../common/auth/step-up';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { KnownDeviceRepository } from './known-device.repository';
import { IdentitiesController } from './providers/identities.controller';
import { IdentitiesService } from './providers/identities.service';
import { IdentityLinker } from './providers/identity-linker';
import { IdentityRepository } from './providers/identity.repository';
import { ProviderClients } from './providers/provider-clients';
import { ProviderSignInCodeRepository } from './providers/provider-sign-in-code.repository';
import { ProviderSignInController } from './providers/provider-sign-in.controller';
import { ProviderSignInService } from './providers/provider-sign-in.service';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { PasskeySignInService } from './passkey-sign-in.service';
import { PasswordSignInService } from './password-sign-in.service';
import { SecondStepController } from './second-step.controller';
import { SecondStepService } from './second-step.service';
import { SignInChecksService } from './sign-in-checks.service';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';
import { StepUpController } from './step-up.controller';
import { StepUpService } from './step-up.service';

/**
 * Every way in (password, second step, passkey, identity providers), refresh, logout, and step-up. Second factors are
 * asked for through the SecondFactor port (provided by mfa/). Global only for the StepUp port it
 * provides: users/, account/, sessions/ and mfa/ ask for proofs without importing this module.
 */
@Global()
@Module({
  imports: [
    AuthModule,
    UsersModule,
    SessionsModule,
    CryptoModule,
    AuditModule,
    RateLimitModule,
    MailModule,
  ],
  controllers: [
    SignInController,
    SecondStepController,
    PasskeySignInController,
    StepUpController,
    ProviderSignInController,
    IdentitiesController,
  ],
  providers: [
    SignInService,
    PasswordSignInService,
    SecondStepService,
    PasskeySignInService,
    SignInChecksService,
    KnownDeviceRepository,
    StepUpService,
    { provide: StepUp, useExisting: StepUpService },
    ProviderClients,
    ProviderSignInService,
    ProviderSignInCodeRepository,
    IdentityRepository,
    IdentityLinker,
    IdentitiesService,
  ],
  exports: [StepUp],
})
export class SignInModule {}

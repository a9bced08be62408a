import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { StepUp } from '../common/auth/step-up';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaAdminController } from './mfa-admin.controller';
import { MfaChallengeRepository } from './mfa-challenge.repository';
import { MfaFactorsService } from './mfa-factors.service';
import { MfaLoginService } from './mfa-login.service';
import { MfaResetService } from './mfa-reset.service';
import { MfaController } from './mfa.controller';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { PasskeyAuthenticationService } from './passkeys/passkey-authentication.service';
import { PasskeyRegistrationService } from './passkeys/passkey-registration.service';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { PasskeysController } from './passkeys/passkeys.controller';
import { RelyingParty } from './passkeys/relying-party';
import { WebauthnChallengeRepository } from './passkeys/webauthn-challenge.repository';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorService } from './second-factor.service';
import { StepUpController } from './step-up.controller';
import { StepUpService } from './step-up.service';
import { TotpEnrolmentService } from './totp-enrolment.service';
import { TotpRepository } from './totp.repository';
import { TotpService } from './totp.service';

/**
 * Second factors, and the step-up rule that needs them. Global only for `StepUp`: users/ and auth/
 * ask for proofs without importing this module, which imports users/ — so no import cycle.
 */
@Global()
@Module({
  imports: [UsersModule, SessionsModule, CryptoModule, AuditModule, RateLimitModule, MailModule],
  controllers: [MfaController, PasskeysController, MfaAdminController, StepUpController],
  providers: [
    TotpRepository,
    RecoveryCodeRepository,
    MfaChallengeRepository,
    PasskeyRepository,
    TotpService,
    RecoveryCodesService,
    SecondFactorService,
    MfaFactorsService,
    TotpEnrolmentService,
    MfaLoginService,
    MfaResetService,
    StepUpService,
    { provide: StepUp, useExisting: StepUpService },
    WebauthnChallengeRepository,
    RelyingParty,
    PasskeyRegistrationService,
    PasskeyAssertions,
    PasskeyAuthenticationService,
  ],
  exports: [MfaLoginService, PasskeyAuthenticationService, StepUp],
})
export class MfaModule {}

import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SecondFactor } from '../common/auth/second-factor';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaAdminController } from './mfa-admin.controller';
import { MfaFactorsService } from './mfa-factors.service';
import { MfaResetService } from './mfa-reset.service';
import { MfaController } from './mfa.controller';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { PasskeyRegistrationService } from './passkeys/passkey-registration.service';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { PasskeysController } from './passkeys/passkeys.controller';
import { RelyingParty } from './passkeys/relying-party';
import { WebauthnChallengeRepository } from './passkeys/webauthn-challenge.repository';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorService } from './second-factor.service';
import { TotpEnrolmentService } from './totp-enrolment.service';
import { TotpRepository } from './totp.repository';
import { TotpService } from './totp.service';

/**
 * Second factors: enrolment, changes, the admin reset, and the checks behind the SecondFactor port.
 * Global only for that port: sign-in/ (the second step, step-up) asks for factors without importing
 * this module, and this module asks for step-up proofs through the StepUp port sign-in/ provides.
 */
@Global()
@Module({
  imports: [UsersModule, SessionsModule, CryptoModule, AuditModule, RateLimitModule, MailModule],
  controllers: [MfaController, PasskeysController, MfaAdminController],
  providers: [
    TotpRepository,
    RecoveryCodeRepository,
    PasskeyRepository,
    TotpService,
    RecoveryCodesService,
    SecondFactorService,
    { provide: SecondFactor, useExisting: SecondFactorService },
    MfaFactorsService,
    TotpEnrolmentService,
    MfaResetService,
    WebauthnChallengeRepository,
    RelyingParty,
    PasskeyRegistrationService,
    PasskeyAssertions,
  ],
  exports: [SecondFactor],
})
export class MfaModule {}

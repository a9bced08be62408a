import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { SessionsModule } from '../sessions/sessions.module';
import { JwksController } from './jwks.controller';
import { SigningKeyRepository } from './signing-key.repository';
import { TokenKeys } from './token-keys.service';

/**
 * The keys access tokens are signed and verified with (docs/CRYPTOGRAPHY.md), their rotation, and
 * the JWKS other services verify our tokens with.
 */
@Module({
  imports: [CryptoModule, AuditModule, SessionsModule],
  controllers: [JwksController],
  providers: [SigningKeyRepository, TokenKeys],
  exports: [TokenKeys],
})
export class SigningKeysModule {}

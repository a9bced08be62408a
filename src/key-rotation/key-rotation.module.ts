import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { EncryptedTableRepository } from './encrypted-table.repository';
import { ReencryptService } from './reencrypt.service';

/** Moving every encrypted column of the schema to the active field-cipher key (the `reencrypt` command). */
@Module({
  imports: [CryptoModule],
  providers: [EncryptedTableRepository, ReencryptService],
  exports: [ReencryptService],
})
export class KeyRotationModule {}

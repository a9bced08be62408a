import { Module } from '@nestjs/common';
import { CryptoOptions } from './crypto-options';
import { FieldCipher } from './field-cipher.service';
import { KEYRING, parseKeyring } from './keyring';
import { PasswordHasher } from './password-hasher.service';

/** All cryptography of the application goes through the services of this module. */
@Module({
  providers: [
    {
      provide: KEYRING,
      inject: [CryptoOptions],
      useFactory: (options: CryptoOptions) =>
        parseKeyring({
          ENCRYPTION_KEY: options.encryptionKey,
          ENCRYPTION_KEYS: options.encryptionKeys,
        }),
    },
    FieldCipher,
    PasswordHasher,
  ],
  exports: [FieldCipher, PasswordHasher],
})
export class CryptoModule {}

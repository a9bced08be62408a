import { Module } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { FieldCipher } from './field-cipher.service';
import { KEYRING, parseKeyring } from './keyring';
import { PasswordHasher } from './password-hasher.service';

/** All cryptography of the application goes through the services of this module. */
@Module({
  providers: [
    { provide: KEYRING, inject: [Env], useFactory: (env: Env) => parseKeyring(env) },
    FieldCipher,
    PasswordHasher,
  ],
  exports: [FieldCipher, PasswordHasher],
})
export class CryptoModule {}

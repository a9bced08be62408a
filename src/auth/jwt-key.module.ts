import { Module } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { TokensConfig } from '../config/config-sections';
import { hmacKey } from '../crypto/hmac-key';

/** The access-token key, built once from JWT_SECRET, for signing (JwtModule) and verifying (JwtStrategy). */
export const JWT_KEY = Symbol('JWT_KEY');

/**
 * passport-jwt types its key as string | Buffer, but hands it untouched to jsonwebtoken.verify,
 * which takes a KeyObject: this names that one widening instead of casting at the call site.
 */
export type PassportJwtKey = KeyObject & Buffer;

@Module({
  providers: [
    {
      provide: JWT_KEY,
      inject: [TokensConfig],
      useFactory: (tokens: TokensConfig) => hmacKey(tokens.secret),
    },
  ],
  exports: [JWT_KEY],
})
export class JwtKeyModule {}

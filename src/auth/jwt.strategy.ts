import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../common/auth/principal';
import { TokensConfig } from '../config/config-sections';
import { SessionsService } from '../sessions/sessions.service';
import { JWT_KEY, type PassportJwtKey } from './jwt-key.module';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './tokens.service';

const isId = (value: unknown): value is string => isUUID(value);

/**
 * Bearer header only (never a query string or cookie). HS256 is pinned, so `alg: none` and
 * algorithm-confusion tokens fail; iss, aud, exp and nbf are checked by jsonwebtoken. Then the
 * session and its user are checked in the database on every request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokensConfig,
    @Inject(JWT_KEY) key: KeyObject,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: key as PassportJwtKey,
      algorithms: ['HS256'],
      issuer: tokens.issuer,
      audience: tokens.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 0, complete: false },
    });
  }

  async validate(
    claims: Partial<AccessTokenClaims> & { exp?: unknown },
  ): Promise<AuthenticatedUser | false> {
    const { typ, sub, sid, exp } = claims;
    if (typ !== ACCESS_TOKEN_TYPE || !isId(sub) || !isId(sid)) return false;
    // jsonwebtoken only checks exp when present; an access token without one would never expire.
    if (typeof exp !== 'number') return false;
    return (await this.sessions.authenticate(sid, sub)) ?? false;
  }
}

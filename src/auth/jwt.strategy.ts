import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../common/auth/principal';
import { TokensConfig } from '../config/config-sections';
import { SessionsService } from '../sessions/sessions.service';
import { TokenKeys } from '../signing-keys/token-keys.service';
import { keyByKid } from './access-token-verifier';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './tokens.service';

const isId = (value: unknown): value is string => isUUID(value);

/**
 * Bearer header only (never a query string or cookie). The key is the one the token's `kid` names,
 * and its algorithm is pinned to that key's (access-token-verifier.ts); then the session and its
 * user are checked in the database on every request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokensConfig,
    keys: TokenKeys,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: keyByKid(keys),
      issuer: tokens.issuer,
      audience: tokens.audience,
    });
  }

  async validate(
    claims: Partial<AccessTokenClaims> & { exp?: unknown },
  ): Promise<AuthenticatedUser | false> {
    const { typ, sub, sid, exp, auth_time: authTime } = claims;
    if (typ !== ACCESS_TOKEN_TYPE || !isId(sub) || !isId(sid)) return false;
    if (typeof exp !== 'number') return false;
    const user = await this.sessions.authenticate(sid, sub);
    if (!user) return false;
    return { ...user, token: { exp, authTime: typeof authTime === 'number' ? authTime : null } };
  }
}

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../common/decorators/current-user.decorator';
import { Env } from '../config/env.schema';
import { hmacKey } from './jwt-key';
import { SessionsService } from './sessions.service';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './tokens.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Bearer header only (never a query string or cookie). HS256 is pinned, so `alg: none` and
 * algorithm-confusion tokens fail; iss, aud, exp and nbf are checked by jsonwebtoken. Then the
 * session and its user are checked in the database on every request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    env: Env,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: hmacKey(env.JWT_SECRET) as unknown as string,
      algorithms: ['HS256'],
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 0, complete: false },
    });
  }

  async validate(
    claims: Partial<AccessTokenClaims> & { exp?: unknown },
  ): Promise<AuthenticatedUser | false> {
    if (
      claims.typ !== ACCESS_TOKEN_TYPE ||
      !UUID.test(claims.sub ?? '') ||
      !UUID.test(claims.sid ?? '')
    )
      return false;
    // jsonwebtoken only checks exp when present; an access token without one would never expire.
    if (typeof claims.exp !== 'number') return false;
    return (await this.sessions.authenticate(claims.sid as string, claims.sub as string)) ?? false;
  }
}

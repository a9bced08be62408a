import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { TokensConfig } from '../config/config-sections';
import type { Rotation } from '../sessions/sessions.service';
import { TokenPair } from './dto/token-pair.dto';
import { randomId } from '../crypto/random';

/** The claim that tells an access token apart; refresh tokens are opaque and never JWTs. */
export const ACCESS_TOKEN_TYPE = 'access';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  typ: typeof ACCESS_TOKEN_TYPE;
  /** RFC 8176 authentication methods of the session's login: `["pwd"]`, `["pwd","otp"]`, … */
  amr: string[];
  /** When the session last proved a factor (epoch seconds; OpenID Connect's claim). Informative only. */
  auth_time: number;
}

@Injectable()
export class TokensService {
  readonly accessTtlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: TokensConfig,
  ) {
    this.accessTtlSeconds = config.accessTtlSeconds;
  }

  /** iss, aud, exp, nbf and the HS256 header come from JwtModule's signOptions (auth.module.ts). */
  async pair(session: Rotation): Promise<TokenPair> {
    const claims: AccessTokenClaims = {
      sub: session.userId,
      sid: session.sessionId,
      typ: ACCESS_TOKEN_TYPE,
      amr: session.amr,
      auth_time: session.authTime,
    };
    // A random jti makes every access token unique, even two issued for one session in the same second.
    const accessToken = await this.jwt.signAsync(claims, { jwtid: randomId() });
    return {
      accessToken,
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTtlSeconds,
    };
  }
}

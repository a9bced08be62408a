import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { TokensConfig } from '../config/config-sections';
import { randomId } from '../crypto/random';
import type { Rotation } from '../sessions/sessions.service';
import { TokenKeys } from '../signing-keys/token-keys.service';
import { TokenPair } from './dto/token-pair.dto';

/** The claim that tells an access token apart; refresh tokens are opaque and never JWTs. */
export const ACCESS_TOKEN_TYPE = 'access';
/** The header `typ` of an access token (RFC 9068); verification insists on it. */
export const ACCESS_TOKEN_HEADER_TYPE = 'at+jwt';

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
    private readonly config: TokensConfig,
    private readonly keys: TokenKeys,
  ) {
    this.accessTtlSeconds = config.accessTtlSeconds;
  }

  /** An access token signed by the current key (its `kid` in the header) and the session's refresh token. */
  async pair(session: Rotation): Promise<TokenPair> {
    const claims: AccessTokenClaims = {
      sub: session.userId,
      sid: session.sessionId,
      typ: ACCESS_TOKEN_TYPE,
      amr: session.amr,
      auth_time: session.authTime,
    };
    const key = this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: ACCESS_TOKEN_HEADER_TYPE })
      .setIssuer(this.config.issuer)
      .setAudience(this.config.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.accessTtlSeconds)
      // A random jti makes every access token unique, even two issued for one session in the same second.
      .setJti(randomId())
      .sign(key.signingKey);
    return {
      accessToken,
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTtlSeconds,
    };
  }
}

// The same-work baseline: NestJS 12 on Fastify doing the service's unavoidable work per
// request and nothing else, so `service ÷ this` shows what the service's pipeline costs on top of
// the work itself. Compiled by tsc (bench/same-work/tsconfig.json) into dist-bench/same-work/ and
// run with the same `node <file>` invocation as dist/main.js, against the app's own embedded TLS
// PostgreSQL (bench/lib/embedded-db.ts passes the connection through PG* variables).
//
// - GET /live: the service's response headers as one precomputed object, a fresh X-Request-Id,
//   `{ "status": "ok" }`.
// - GET /me: the same, plus RateLimit-* (static strings of the length the service sends), the
//   access token verified as the service verifies it (the key its `kid` names, the header's `alg`
//   pinned to that key's, then jose's jwtVerify: signature, typ, iss, aud, exp, nbf; a token
//   verified before is remembered until its exp, as the service does) with the
//   algorithm the service signs with: EdDSA or ES256 with a KeyObject per key of the service's JWKS,
//   fetched once at start, or HS256 with a KeyObject of JWT_SECRET; and one named prepared
//   statement joining the live session to its active user (the SQL of the service's AUTHENTICATE,
//   one session id per execution, no batching) over verified TLS, from a pg Pool of 10.
import 'reflect-metadata';
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Controller,
  Get,
  Headers,
  Inject,
  Module,
  Res,
  UnauthorizedException,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { Pool } from 'pg';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

/** Every header the service sends on /health and /api answers today, but Date, Connection,
 * Keep-Alive and Content-Length (Node's) and X-Request-Id (fresh per request). */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'",
  'content-type': 'application/json; charset=utf-8',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const rateLimitMax = Number(env('RATE_LIMIT_MAX', '100'));
/** /api answers add RateLimit-*: static values as long as the service's under the same limit. */
const API_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  'ratelimit-limit': String(rateLimitMax),
  'ratelimit-remaining': String(rateLimitMax - 1),
  'ratelimit-reset': '900',
};

/** The SQL of AUTHENTICATE in src/sessions/session.repository.ts, executed with one session id. */
const AUTHENTICATE = {
  name: 'auth_principal',
  text: `SELECT s.id AS session_id, s.amr, u.id, u.role, u.email, u.username, u.is_active, u.email_verified,
                u.mfa_enabled, u.birth_date::text AS birth_date, u.created_at, u.updated_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
            AND s.credentials_version = u.credentials_version`,
};

interface PrincipalRow {
  session_id: string;
  id: string;
  role: string;
  email: string;
  username: string;
  is_active: boolean;
  email_verified: boolean;
  mfa_enabled: boolean;
  birth_date: string | null;
  created_at: Date;
  updated_at: Date;
}

interface Claims {
  sub: string;
  sid: string;
  typ: string;
  exp?: number;
  nbf?: number;
}

/** As the service's VerifiedTokens. */
const VERIFIED_CAPACITY = 5_000;

const PG_POOL = Symbol('PG_POOL');
const VERIFICATION_KEYS = Symbol('VERIFICATION_KEYS');

/** A key the service verifies with: its algorithm and a KeyObject built once. */
interface VerificationKey {
  algorithm: string;
  key: KeyObject;
}
type VerificationKeys = ReadonlyMap<string, VerificationKey>;

const verifyOptions = {
  typ: 'at+jwt',
  issuer: env('JWT_ISSUER'),
  audience: env('JWT_AUDIENCE'),
  clockTolerance: 0,
  requiredClaims: ['exp', 'iat', 'sub'],
};

@Controller()
class SameWorkController implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(VERIFICATION_KEYS) private readonly keys: VerificationKeys,
  ) {}

  private readonly verified = new Map<
    string,
    { key: VerificationKey; claims: Claims; exp: number; nbf: number }
  >();

  @Get('live')
  live(@Res({ passthrough: true }) reply: FastifyReply): { status: string } {
    reply.headers(COMMON_HEADERS).header('x-request-id', randomUUID());
    return { status: 'ok' };
  }

  @Get('me')
  async me(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    reply.headers(API_HEADERS).header('x-request-id', randomUUID());
    if (!authorization?.startsWith('Bearer ')) throw new UnauthorizedException();
    const claims = await this.verify(authorization.slice(7));
    if (claims.typ !== 'access' || typeof claims.exp !== 'number')
      throw new UnauthorizedException();
    const { rows } = await this.pool.query<PrincipalRow>({
      ...AUTHENTICATE,
      values: [[claims.sid]],
    });
    const row = rows[0];
    if (!row || row.id !== claims.sub) throw new UnauthorizedException();
    return {
      id: row.id,
      email: row.email,
      username: row.username,
      role: row.role,
      isActive: row.is_active,
      emailVerified: row.email_verified,
      mfaEnabled: row.mfa_enabled,
      birthDate: row.birth_date,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  /**
   * What the service's key provider and verifier do (src/auth/access-token-verifier.ts), its
   * verified-token memory included (src/auth/verified-tokens.ts): a token verified before, for the
   * same key and within its nbf and exp, is not verified again.
   */
  private async verify(token: string): Promise<Claims> {
    try {
      const { kid, alg } = decodeProtectedHeader(token);
      const key = typeof kid === 'string' ? this.keys.get(kid) : undefined;
      if (!key || alg !== key.algorithm) throw new UnauthorizedException();
      const now = Math.floor(Date.now() / 1000);
      const known = this.verified.get(token);
      if (known && known.key === key && known.exp > now && known.nbf <= now) return known.claims;
      const { payload } = await jwtVerify<Claims>(token, key.key, {
        ...verifyOptions,
        algorithms: [key.algorithm],
      });
      if (this.verified.size >= VERIFIED_CAPACITY) {
        const oldest = this.verified.keys().next();
        if (!oldest.done) this.verified.delete(oldest.value);
      }
      this.verified.set(token, {
        key,
        claims: payload,
        exp: payload.exp ?? 0,
        nbf: payload.nbf ?? 0,
      });
      return payload;
    } catch {
      throw new UnauthorizedException();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

function pool(): Pool {
  return new Pool({
    host: env('PGHOST'),
    port: Number(env('PGPORT')),
    user: env('PGUSER'),
    password: env('PGPASSWORD'),
    database: env('PGDATABASE'),
    ssl: {
      ca: readFileSync(env('PGSSLROOTCERT'), 'utf8'),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    max: 10,
  });
}

/**
 * The keys the service verifies with, each built once. HS256: JWT_SECRET under the service's own
 * kid for it (src/signing-keys/key-material.ts, sharedSecretKey). EdDSA and ES256: every key of the
 * service's JWKS, read once at start (the bench runs far shorter than a key's lifetime).
 */
async function verificationKeys(): Promise<VerificationKeys> {
  if (env('JWT_ALGORITHM') === 'HS256') {
    const key = createSecretKey(Buffer.from(env('JWT_SECRET'), 'utf8'));
    const kid = `hs-${createHmac('sha256', key).update('jwt kid').digest('base64url').slice(0, 16)}`;
    return new Map([[kid, { algorithm: 'HS256', key }]]);
  }
  const res = await fetch(env('JWKS_URL'));
  if (!res.ok) throw new Error(`${env('JWKS_URL')} answered ${res.status}`);
  const { keys } = (await res.json()) as { keys: Array<JWK & { kid: string; alg: string }> };
  if (keys.length === 0) throw new Error(`${env('JWKS_URL')} lists no key`);
  return new Map(
    keys.map((jwk) => [
      jwk.kid,
      { algorithm: jwk.alg, key: createPublicKey({ key: jwk, format: 'jwk' }) },
    ]),
  );
}

@Module({
  controllers: [SameWorkController],
  providers: [
    { provide: PG_POOL, useFactory: pool },
    { provide: VERIFICATION_KEYS, useFactory: verificationKeys },
  ],
})
class SameWorkModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    SameWorkModule,
    new FastifyAdapter(),
    {
      logger: ['error', 'warn'],
    },
  );
  app.enableShutdownHooks();
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3002) });
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `same-work baseline: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

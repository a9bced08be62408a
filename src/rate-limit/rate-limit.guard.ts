import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExtractJwt } from 'passport-jwt';
import { clientContextOf, routeOf } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { sha256Hex } from '../crypto/digest';
import { RateLimitConfig } from '../config/config-sections';
import { PER_TOKEN_RATE_LIMIT } from './auth-rate-limit.decorator';
import { BlockAuditor } from './block-auditor';
import { limitMessage } from './limit-hint';

const MAX_CACHED_DIGESTS = 10_000;
/** The JWT strategy's own extractor (src/auth/jwt.strategy.ts). */
const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** Where a limit stands for one request: the most restrictive one is what the headers report. */
interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * The global rate-limit guard: the `default` throttler on every /api route, plus the `auth` one on
 * routes marked @AuthRateLimit(). Answers carry `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds) for the most restrictive throttler that applies; a 429 adds
 * `Retry-After`, has the uniform error body and is audited as `security.rate_limited`.
 * Throttler's own X-RateLimit-* headers are switched off (`setHeaders: false`).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly states = new WeakMap<object, LimitState>();
  /** key → its SHA-256: one client's requests share their keys, so each is hashed once. */
  private readonly digests = new Map<string, string>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly blocks: BlockAuditor,
    private readonly limits: RateLimitConfig,
  ) {
    super(options, storage, reflector);
  }

  /** Only application routes are limited: /health/* and /docs* are not (and non-HTTP contexts). */
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    return Promise.resolve(
      !pathOf(context.switchToHttp().getRequest<FastifyRequest>()).startsWith('/api/'),
    );
  }

  /**
   * `default` is one budget per client across all of /api; `auth` is counted per route, so login
   * and register each get AUTH_RATE_LIMIT_MAX. Keys are hashed: Redis holds no IP addresses.
   */
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const scope = name === 'default' ? '*' : routeOf(request);
    return this.digest(`${name}\n${scope}\n${tracker}`);
  }

  /**
   * On a route marked @RateLimitPerToken(), the bearer token (hashed with the rest of the key), as
   * the JWT strategy extracts it: keyed on the raw header, `bearer`, a second space or a trailing
   * word would each make a fresh budget for the same token.
   */
  private tokenTracker(context: ExecutionContext): string | undefined {
    const targets = [context.getHandler(), context.getClass()];
    if (!this.reflector.getAllAndOverride<boolean>(PER_TOKEN_RATE_LIMIT, targets)) return undefined;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request);
    return token ? `token ${token}` : undefined;
  }

  private digest(key: string): string {
    let digest = this.digests.get(key);
    if (digest === undefined) {
      if (this.digests.size >= MAX_CACHED_DIGESTS) this.digests.clear();
      digest = sha256Hex(key);
      this.digests.set(key, digest);
    }
    return digest;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = props;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const name = throttler.name ?? 'default';
    const key = generateKey(
      context,
      this.tokenTracker(context) ?? (await getTracker(request, context)),
      name,
    );
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);

    if (record.isBlocked) {
      const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
      const client = clientContextOf(request);
      await this.blocks.blocked(key, retryAfterSeconds, client, {
        throttler: name,
        limit,
        route: client.route,
      });
      const hint = this.limits.hintVariables
        ? {
            variable: name === 'auth' ? 'AUTH_RATE_LIMIT_MAX' : 'RATE_LIMIT_MAX',
            limit,
            windowMs: ttl,
          }
        : undefined;
      throw new RateLimitExceededException(
        limitMessage('Too many requests: try again later', hint),
        {
          limit,
          retryAfterSeconds,
        },
      );
    }

    const state: LimitState = {
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      resetSeconds: Math.max(0, record.timeToExpire),
    };
    const previous = this.states.get(request);
    if (!previous || moreRestrictive(state, previous)) {
      this.states.set(request, state);
      void reply.headers({
        'RateLimit-Limit': String(state.limit),
        'RateLimit-Remaining': String(state.remaining),
        'RateLimit-Reset': String(state.resetSeconds),
      });
    }
    return true;
  }
}

/** The route pattern (`/api/users/:id`), never the raw URL, so ids and query strings do not split counters. */
function pathOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?', 1)[0];
}

function moreRestrictive(a: LimitState, b: LimitState): boolean {
  if (a.remaining !== b.remaining) return a.remaining < b.remaining;
  return a.resetSeconds > b.resetSeconds;
}

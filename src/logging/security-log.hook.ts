import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientContextOf } from '../common/http/client-context';
import './auth-attempt.decorator';
import { SecurityLogger } from './security-logger.service';

const USER_ID = Symbol('securityLog.userId');
const FAILURE = Symbol('securityLog.failure');

type AnnotatedRequest = FastifyRequest & { [USER_ID]?: string; [FAILURE]?: string };

/** Called by SecurityLoggingInterceptor once the guards have identified the caller. */
export function annotateUserId(request: FastifyRequest, userId: string | undefined): void {
  if (userId) (request as AnnotatedRequest)[USER_ID] = userId;
}

/**
 * Marks an auth attempt that failed although its answer is no error status: a provider callback
 * always answers a redirect, and says why it failed only in the fragment. Logged as `warn` with
 * `failure: reason`.
 */
export function annotateAuthFailure(request: FastifyRequest, reason: string): void {
  (request as AnnotatedRequest)[FAILURE] = reason;
}

/**
 * Logs from Fastify's onResponse hook, the one place every response passes: Nest interceptors never
 * see a 404 (no route), a 413/415 or a malformed body (Fastify rejects them before Nest), a guard's
 * 401/403, or an error thrown by a handler on their success path. Status ≥ 400 → warn; requests
 * to a route marked @AuthAttempt() → info (warn if they failed). Nothing else is logged.
 */
export function registerSecurityLogHook(fastify: FastifyInstance, logger: SecurityLogger): void {
  fastify.addHook(
    'onResponse',
    (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      try {
        const status = reply.statusCode;
        const authAttempt = request.routeOptions?.config?.securityLog === 'auth-attempt';
        if (status < 400 && !authAttempt) return; // the common case: nothing to write, nothing built
        const path = request.url.split('?', 1)[0];
        const entry = securityLogEntry(request, status, path, reply.elapsedTime, authAttempt);
        if (status >= 400 || entry.failure) logger.warn(entry);
        else logger.info(entry);
      } finally {
        done();
      }
    },
  );
}

function securityLogEntry(
  request: FastifyRequest,
  status: number,
  path: string,
  elapsed: number,
  authAttempt: boolean,
) {
  const { ip, userAgent } = clientContextOf(request);
  const failure = (request as AnnotatedRequest)[FAILURE];
  return {
    message: authAttempt ? 'auth attempt' : 'request failed',
    requestId: request.id,
    method: request.method,
    path,
    status,
    durationMs: Math.round(elapsed * 100) / 100,
    ip,
    userAgent,
    userId: (request as AnnotatedRequest)[USER_ID] ?? authenticatedId(request) ?? 'anonymous',
    ...(failure && { failure }),
  };
}

/**
 * The principal passport put on the request, for a request refused by a guard that runs after
 * authentication (RolesGuard's 403): guards run before any interceptor, so none annotated it.
 */
function authenticatedId(request: FastifyRequest): string | undefined {
  const id = (request as FastifyRequest & { user?: { id?: unknown } }).user?.id;
  return typeof id === 'string' ? id : undefined;
}

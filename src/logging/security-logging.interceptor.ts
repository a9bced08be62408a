import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { annotateUserId } from './security-log.hook';

/**
 * The security log itself is written by the Fastify onResponse hook (security-log.hook.ts), because
 * an interceptor never sees the responses that matter most: 404/413/415 are answered before Nest
 * routes, and errors thrown by guards or handlers skip an interceptor's success path. What only Nest
 * knows is who the caller is: once the guards have run, this copies `request.user.id` onto the
 * request for the hook, so the entry carries the user id even when the handler later throws.
 */
@Injectable()
export class SecurityLoggingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context
        .switchToHttp()
        .getRequest<FastifyRequest & { user?: { id?: unknown } }>();
      const id = request.user?.id;
      annotateUserId(request, typeof id === 'string' ? id : undefined);
    }
    return next.handle();
  }
}

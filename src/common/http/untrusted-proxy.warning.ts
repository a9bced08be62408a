import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { parseIp } from './ip-address';

const PROXY_RANGES = new Set([
  'loopback',
  'private',
  'uniqueLocal',
  'linkLocal',
  'carrierGradeNat',
]);

/**
 * In production without TRUST_PROXY, every request's client IP is its socket address. Behind a
 * reverse proxy that is the proxy's address, so every client shares one rate-limit bucket and one
 * audit IP. A request carrying X-Forwarded-For from a loopback or private peer is the sign of that
 * set-up: say so, once, clearly. (The header itself is never trusted here.)
 */
export function warnOnceAboutUntrustedProxy(fastify: FastifyInstance): void {
  let warned = false;
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!warned && request.headers['x-forwarded-for'] !== undefined) {
      const peer = request.socket.remoteAddress;
      const range = peer ? parseIp(peer)?.range() : undefined;
      if (range && PROXY_RANGES.has(range)) {
        warned = true;
        new Logger('Http').warn({
          message:
            'requests arrive through a proxy (X-Forwarded-For from a private address) but TRUST_PROXY is unset: every client shares one rate-limit bucket; set TRUST_PROXY to the proxy addresses',
          peer,
        });
      }
    }
    done();
  });
}

// Out-of-tree experiment behind bench/notes.md ("Memory"): which piece of the service's pipeline
// makes per-request objects outlive the young generation? A bare NestJS 12 + Fastify app answering
// GET /live, plus the pieces named in VARIANT (any combination): interceptor (a global no-op
// interceptor), helmet (@fastify/helmet as the service registers it), helmetonce / helmetfn (the
// helmet middleware built once / per request, in one sync onRequest hook), precomputed (one
// reply.headers(object) in a sync hook), rawset / capset (res.setHeader per header, lower / helmet
// case), chain (helmet's middleware-chain shape written by hand), removeheader, asynchook, onsend,
// als (an AsyncLocalStorage entered once). Run through bench/experiments/promotion.sh.
require('reflect-metadata');
const { Controller, Get, Module, Injectable } = require('@nestjs/common');
const { NestFactory, APP_INTERCEPTOR } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { AsyncLocalStorage } = require('node:async_hooks');
const v = process.env.VARIANT || '';
class C {
  live() {
    return { status: 'ok' };
  }
}
Reflect.decorate(
  [Get('live')],
  C.prototype,
  'live',
  Object.getOwnPropertyDescriptor(C.prototype, 'live'),
);
const Ctl = Reflect.decorate([Controller()], C);
class NoopInterceptor {
  intercept(_c, next) {
    return next.handle();
  }
}
const I = Reflect.decorate([Injectable()], NoopInterceptor);
const providers = v.includes('interceptor') ? [{ provide: APP_INTERCEPTOR, useClass: I }] : [];
class M {}
const Mod = Reflect.decorate([Module({ controllers: [Ctl], providers })], M);
(async () => {
  if (v.includes('als')) {
    const als = new AsyncLocalStorage();
    als.run(1, () => {});
  }
  const app = await NestFactory.create(Mod, new FastifyAdapter(), { logger: ['error'] });
  const f = app.getHttpAdapter().getInstance();
  if (v.includes('helmet'))
    await f.register(require('@fastify/helmet'), { global: true, contentSecurityPolicy: false });
  const helmetLib = require('helmet');
  const cfg = {
    contentSecurityPolicy: false,
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true, preload: true },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    dnsPrefetchControl: { allow: false },
    xssFilter: true,
    hidePoweredBy: true,
  };
  const H = {
    'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-dns-prefetch-control': 'off',
    'x-xss-protection': '0',
    'origin-agent-cluster': '?1',
    'x-download-options': 'noopen',
    'x-permitted-cross-domain-policies': 'none',
  };
  if (v.includes('rawset'))
    f.addHook('onRequest', (req, reply, done) => {
      for (const k in H) reply.raw.setHeader(k, H[k]);
      done();
    });
  if (v.includes('precomputed'))
    f.addHook('onRequest', (req, reply, done) => {
      reply.headers(H);
      done();
    });
  if (v.includes('helmetfn'))
    f.addHook('onRequest', (req, reply, done) => {
      helmetLib(cfg)(req.raw, reply.raw, () => {});
      done();
    });
  const once = helmetLib(cfg);
  const HC = {
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains; preload',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-DNS-Prefetch-Control': 'off',
    'X-XSS-Protection': '0',
    'Origin-Agent-Cluster': '?1',
    'X-Download-Options': 'noopen',
    'X-Permitted-Cross-Domain-Policies': 'none',
  };
  if (v.includes('capset'))
    f.addHook('onRequest', (req, reply, done) => {
      for (const k in HC) reply.raw.setHeader(k, HC[k]);
      done();
    });
  const mws = Object.keys(HC).map(
    (k) =>
      function mw(_req, res, next) {
        res.setHeader(k, HC[k]);
        next();
      },
  );
  if (v.includes('chain'))
    f.addHook('onRequest', (req, reply, done) => {
      let i = 0;
      (function internalNext() {
        const m = mws[i];
        if (m) {
          i++;
          m(req.raw, reply.raw, internalNext);
        }
      })();
      done();
    });
  if (v.includes('removeheader'))
    f.addHook('onRequest', (req, reply, done) => {
      reply.raw.removeHeader('X-Powered-By');
      done();
    });
  const noXpb = helmetLib({ ...cfg, hidePoweredBy: false });
  if (v.includes('helmetnoxpb'))
    f.addHook('onRequest', (req, reply, done) => {
      noXpb(req.raw, reply.raw, () => {});
      done();
    });
  if (v.includes('helmetonce'))
    f.addHook('onRequest', (req, reply, done) => {
      once(req.raw, reply.raw, () => {});
      done();
    });
  if (v.includes('asynchook'))
    f.addHook('onRequest', async (req, reply) => {
      reply.header('x-request-id', 'x');
    });
  if (v.includes('onsend')) f.addHook('onSend', async (req, reply, payload) => payload);
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
})();

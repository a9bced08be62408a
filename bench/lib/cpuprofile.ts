import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Rule = [category: string, url: RegExp | null, fn?: RegExp];
const RULES: Rule[] = [
  ['(idle)', null, /^\(idle\)$/],
  ['(garbage collector)', null, /^\(garbage collector\)$/],
  ['(program)', null, /^\(program\)$/],
  // The syscall that sends an answer: its cost follows the bytes and chunks written.
  ['socket write (native writev/writeBuffer)', /^$/, /^(writev|writeBuffer|write\w*String)$/],
  ['security-log hook (onResponse)', /\/audit\/logging\/security-log\.hook/],
  [
    'interceptor (SecurityLoggingInterceptor, Nest interceptors, rxjs)',
    /\/audit\/logging\/security-logging\.interceptor|@nestjs\/core\/interceptors\/|\/rxjs\//,
  ],
  ['security headers: onSend CSP/Cache-Control hook', /\/common\/http\/security-headers/],
  ['helmet (@fastify/helmet, helmet)', /node_modules\/(@fastify\/helmet|helmet)\//],
  [
    'request id (genReqId, X-Request-Id onRequest hook)',
    /\/common\/http\/request-id|\/dist\/app\.setup/,
  ],
  [
    'request id (genReqId, X-Request-Id onRequest hook)',
    /^node:internal\/crypto\/random/,
    /^randomUUID$|^secureBuffer$|^getRandomValues$/,
  ],
  ['cookie (@fastify/cookie)', /@fastify\/cookie|node_modules\/cookie\//],
  ['CORS (@fastify/cors)', /@fastify\/cors|\/common\/http\/cors/],
  ['rate limit guard + throttler', /\/rate-limit\/|@nestjs\/throttler|throttler-storage/],
  [
    'JWT guard + passport',
    /\/auth\/jwt-auth\.guard|\/auth\/jwt\.strategy|@nestjs\/passport|node_modules\/passport(-jwt|-strategy)?\//,
  ],
  ['roles guard', /\/auth\/roles\.guard/],
  ['Nest guards consumer', /@nestjs\/core\/guards\//],
  [
    'class-validator / class-transformer / ValidationPipe',
    /class-validator|class-transformer|node_modules\/validator\/|@nestjs\/common\/pipes\/|\/common\/validation\//,
  ],
  [
    'Nest pipes + route params',
    /@nestjs\/core\/(pipes|router\/route-params-factory)|@nestjs\/core\/helpers\/context-utils/,
  ],
  ['terminus (health framework)', /@nestjs\/terminus/],
  ['winston / logging', /winston|logform|triple-beam|readable-stream|\/audit\/logging\//],
  ['JWT verify (jose)', /node_modules\/jose\//],
  ['session check batching', /\/auth\/session-check\.batcher/],
  ['sessions service / users controller + DTO', /\/auth\/sessions\.service|\/users\//],
  [
    'pg (pg, pg-protocol, pg-pool, pg-types)',
    /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//,
  ],
  ['TypeORM', /node_modules\/typeorm\//],
  ['exception filter', /\/common\/filters\//],
  ['same-work baseline code', /\/dist-bench\//],
  ['app code (dist/, other)', /^(?!.*node_modules).*\/dist\//],
  ['Nest router (execution context, response controller)', /@nestjs\/core\/(router|helpers)\//],
  ['Nest other (core, common, platform-fastify)', /@nestjs\/(core|platform-fastify|common)\//],
  [
    'Fastify (fastify, find-my-way, avvio, …)',
    /node_modules\/(fastify|find-my-way|@fastify\/|light-my-request|fast-json-stringify|avvio|abstract-logging|pino|process-warning|toad-cache|fast-decode-uri-component|safe-regex2|ret|fast-querystring|rfdc|content-type|secure-json-parse)/,
  ],
  [
    'node http/net/streams/events',
    /^node:(_http|http|net|stream|events|internal\/(streams|http|net|stream_base|js_stream|timers|process\/task_queues|async_hooks|event_target|async_local_storage))/,
  ],
  ['node TLS', /^node:(_tls|tls|internal\/tls)/],
  ['node crypto', /^node:(crypto|internal\/crypto)/],
  ['(native / V8 builtins)', /^$/],
  ['other', /./],
];

/**
 * What a frame is, by the file it comes from (and for Node internals, by name): the groups of
 * the question "which part of the pipeline is not the work". First match wins.
 */
export function categoryOf(url: string, fn: string): string {
  for (const [category, urlTest, fnTest] of RULES) {
    if (urlTest && !urlTest.test(url)) continue;
    if (fnTest && !fnTest.test(fn)) continue;
    return category;
  }
  return 'other';
}

/** A frame's file: `package/path` inside node_modules, `dist/…` for the app, `node:…` for Node. */
const short = (url: string) => {
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length);
  return path.replace(/^.*\/(dist|dist-bench)\//, '$1/');
};

export interface Ranked {
  name: string;
  category: string;
  percent: number;
}

export interface WindowSummary {
  samples: number;
  /** Main-thread CPU time in the window: busy samples × the window's mean sample interval. */
  busyMs: number;
  busySamples: number;
  busyPercentOfWindow: number;
  selfTop: Ranked[];
  inclusiveTop: Ranked[];
  selfByCategory: Array<{ category: string; percent: number }>;
  inclusiveByCategory: Array<{ category: string; percent: number }>;
}

/**
 * Self and inclusive time of the samples whose timestamps fall in [fromUs, toUs] (µs on the
 * monotonic clock, the clock V8 stamps profiles with). Percentages are of the busy samples, i.e.
 * not (idle): what the process spent its CPU on while serving that load. Inclusive counts a
 * function (or category) once per sample however often it recurs on the stack.
 */
export function summariseWindow(
  file: string,
  fromUs: number,
  toUs: number,
  top = 30,
): WindowSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const catOf = (n: ProfileNode) => categoryOf(n.callFrame.url, n.callFrame.functionName);

  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const selfCat = new Map<string, number>();
  const inclCat = new Map<string, number>();
  const categoryOfKey = new Map<string, string>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  let t = profile.startTime;
  let samples = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    samples++;
    const leaf = byId.get(profile.samples[i]);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    busy++;
    const leafKey = keyOf(leaf);
    bump(self, leafKey);
    bump(selfCat, catOf(leaf));
    const seen = new Set<string>();
    const seenCat = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (n.callFrame.functionName === '(root)') break;
      const k = keyOf(n);
      if (!categoryOfKey.has(k)) categoryOfKey.set(k, catOf(n));
      if (!seen.has(k)) {
        seen.add(k);
        bump(incl, k);
      }
      const c = catOf(n);
      if (!seenCat.has(c)) {
        seenCat.add(c);
        bump(inclCat, c);
      }
    }
    if (!categoryOfKey.has(leafKey)) categoryOfKey.set(leafKey, catOf(leaf));
  }
  const pct = (v: number) => Math.round((1000 * v) / Math.max(1, busy)) / 10;
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, v]) => ({ name, category: categoryOfKey.get(name) ?? '', percent: pct(v) }));
  const rankCat = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([category, v]) => ({ category, percent: pct(v) }));
  return {
    samples,
    busyMs: Math.round(((toUs - fromUs) / 1000) * (busy / Math.max(1, samples))),
    busySamples: busy,
    busyPercentOfWindow: Math.round((1000 * busy) / Math.max(1, samples)) / 10,
    selfTop: rank(self),
    inclusiveTop: rank(incl),
    selfByCategory: rankCat(selfCat),
    inclusiveByCategory: rankCat(inclCat),
  };
}

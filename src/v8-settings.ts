import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring off, before the application allocates anything of note.
 *
 * Under load V8 decides that the objects of a few per-request allocation sites (Node's response
 * head strings, IncomingMessage/OutgoingMessage) live long and allocates them straight in the old
 * generation, where they pile up as garbage until a full mark-compact: measured (docs/BENCHMARKS.md,
 * bench/notes.md "Memory"), RSS peaks at 280 MB over 120k requests with it and 179 MB without, at the
 * same throughput (2487 vs 2478 req/s on /me). Set here rather than on the command line so that every
 * way of starting the service (`npm start`, the image, a platform's own `node dist/main.js`) gets it.
 */
if (!process.execArgv.some((flag) => flag.endsWith('allocation-site-pretenuring'))) {
  // An explicit `node --allocation-site-pretenuring dist/main.js` keeps V8's default.
  setFlagsFromString('--no-allocation-site-pretenuring');
}

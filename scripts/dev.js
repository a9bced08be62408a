// `npm run dev`: tsc in watch mode compiles each change (only what it touches) into dist-dev/, and
// the server restarts after every compile without type errors and every rebuild of the account
// pages. dist-dev/ is this loop's own folder: `npm start` and `npm run cli` keep dist/. The
// migrations are compiled once at start (restart `npm run dev` after adding one).
const { execFileSync, spawn } = require('node:child_process');
const { join } = require('node:path');
const { watchPages } = require('./build-pages');
const { copyAssets } = require('./copy-assets');

const root = join(__dirname, '..');
const OUT = join(root, 'dist-dev');
const TSC = require.resolve('typescript/bin/tsc');
/** tsc --watch's line at the end of each compile. */
const COMPILED = /Found (\d+) errors?\. Watching for file changes\./;

let server; // the running `node dist-dev/main.js`
// One restart at a time, in order: a compile that ends while a restart runs waits for it.
let restarts = Promise.resolve();
let stopping = false;

function log(message) {
  process.stdout.write(`[dev] ${message}\n`);
}

/** Resolves once the server is gone (at once when none runs). */
function stopServer() {
  const running = server;
  server = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    running.once('exit', resolve);
    running.kill('SIGTERM'); // the app's ordered shutdown (it stops its embedded database)
  });
}

async function restartServer(reason = 'compiled') {
  const restarting = server !== undefined;
  await stopServer();
  if (stopping) return;
  log(`${reason}: ${restarting ? 'restarting' : 'starting'} the server`);
  server = spawn(process.execPath, ['--enable-source-maps', join(OUT, 'main.js')], {
    stdio: 'inherit',
  });
}

execFileSync(
  process.execPath,
  [TSC, '-p', 'tsconfig.migrations.json', '--outDir', join(OUT, 'migrations')],
  { cwd: root, stdio: 'inherit' },
);
copyAssets(OUT);
// The account pages' bundle: a rebuild restarts a running server (it reads the site at start);
// before the first compile there is none, and that compile starts it.
void watchPages(OUT, () => {
  if (server) restarts = restarts.then(() => restartServer('account pages rebuilt'));
});

const watcher = spawn(
  process.execPath,
  [TSC, '-p', 'tsconfig.build.json', '--outDir', OUT, '--watch', '--preserveWatchOutput'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let pending = '';
watcher.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const compiled = COMPILED.exec(line);
    if (!compiled) continue;
    if (compiled[1] !== '0') log('type errors: the server keeps running the last good build');
    else restarts = restarts.then(() => restartServer());
  }
});
// tsc ends on its own only on a fatal error; a Ctrl-C reaches it too (the terminal signals the
// whole process group), which is a normal stop.
watcher.on('exit', (code, signal) => {
  if (!stopping) void shutdown(signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : (code ?? 1));
});

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  watcher.kill('SIGTERM');
  await restarts;
  await stopServer();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

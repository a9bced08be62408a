import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSI, jsonLines, spawnApp, waitForOutput, type SpawnedApp } from '../support/spawn-app';

const BANNER = /^.*\[Bootstrap\] ready \|.*$/m;
// time, level, [context], message: nest-winston's Nest-like line, one event per line.
const READABLE_LINE = /^\d\d:\d\d:\d\d\.\d{3} +(LOG|WARN|ERROR|DEBUG|VERBOSE) /;

/** `npm start` as a developer sees it: the readable console, the banner, nothing else worth hiding. */
describe('development console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-console-'));
  chmodSync(dir, 0o711); // the postgres user must traverse it, as with any DATA_DIR (docs/CONFIGURATION.md)
  const dataDir = join(dir, 'data');
  const logDir = join(dir, 'logs');
  let port = 0;
  const start = (extra: Record<string, string> = {}): SpawnedApp => {
    port = 20_000 + Math.floor(Math.random() * 20_000);
    return spawnApp({
      DATA_DIR: dataDir,
      LOG_DIR: logDir,
      PORT: String(port),
      BCRYPT_ROUNDS: '4',
      ...extra,
    });
  };
  const stop = async (app: SpawnedApp): Promise<void> => {
    app.child.kill('SIGINT');
    await app.exited;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** One start that initialises the embedded cluster, unless an earlier start already did. */
  const clusterInitialised = async (): Promise<void> => {
    if (existsSync(join(dataDir, 'postgres', 'PG_VERSION'))) return;
    const first = start();
    try {
      await waitForOutput(first, BANNER, 60_000);
    } finally {
      await stop(first);
    }
  };

  it('prints a few readable, coloured lines, then one banner saying where everything is', async () => {
    const app = start({ FORCE_COLOR: '1' });
    try {
      await waitForOutput(app, BANNER, 60_000);
    } finally {
      await stop(app);
    }
    const output = app.output();
    expect(output).toMatch(ANSI);
    const lines = output.replace(ANSI, '').split('\n').filter(Boolean);
    const bannerAt = lines.findIndex((l) => BANNER.test(l));
    expect(bannerAt).toBeLessThanOrEqual(15);
    for (const line of lines) expect(line).toMatch(READABLE_LINE);
    expect(lines.join('\n')).not.toMatch(/Mapped \{|dependencies initialized/);

    const banner = lines[bannerAt];
    const base = `http://127.0.0.1:${port}`;
    expect(banner).toContain(`ready | API ${base}/api | Swagger UI ${base}/docs | `);
    expect(banner).toMatch(/ \| database: embedded PostgreSQL 18 over TLS on 127\.0\.0\.1:\d+, /);
    expect(banner).toContain(`, data in ${join(dataDir, 'postgres')} | `);
    expect(banner).toContain(
      `data directory: ${dataDir} | mail: written to ${dataDir}/mail (no SMTP_URL) | tokens: EdDSA, key `,
    );
    expect(banner).toMatch(
      / \| tokens: EdDSA, key [\w-]{22} \(public keys http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json\) \| auth limit: 5 per 15 minutes per route \(AUTH_RATE_LIMIT_MAX\)/,
    );

    // The file is for machines: JSON lines, the banner among them, no colour.
    const appLog = readFileSync(join(logDir, 'app.log'), 'utf8');
    expect(appLog).not.toMatch(ANSI);
    expect(jsonLines(appLog).some((e) => String(e.message).startsWith('ready | API'))).toBe(true);
  }, 90_000);

  it('shows the route map at LOG_LEVEL=debug, no colour under NO_COLOR, and "docs off"', async () => {
    await clusterInitialised(); // this start must reuse it, whichever test ran first
    const app = start({ LOG_LEVEL: 'debug', NO_COLOR: '1', SWAGGER_ENABLED: 'false' });
    try {
      await waitForOutput(app, BANNER, 30_000);
    } finally {
      await stop(app);
    }
    const output = app.output();
    expect(output).not.toMatch(ANSI);
    expect(output).toMatch(
      /^.* DEBUG \[RouterExplorer\] Mapped \{\/api\/auth\/login, POST\} route$/m,
    );
    expect(output).toMatch(/^.* DEBUG \[InstanceLoader\] AppModule dependencies initialized$/m);
    expect(BANNER.exec(output)?.[0]).toContain(`API http://127.0.0.1:${port}/api | docs off | `);
    // The embedded cluster was reused, not initialised again.
    expect(output).not.toMatch(/initdb|creating configuration files/);
    // The app exits once its PostgreSQL has; a postmaster still listed is one the app left behind.
    const postgres = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    const leftBehind = postgres
      .split('\n')
      .filter((line) => line.includes(join(dataDir, 'postgres')));
    expect({ leftBehind, output: leftBehind.length > 0 ? output : '' }).toEqual({
      leftBehind: [],
      output: '',
    });
  }, 120_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { spawnApp, spawnedTestEnv, waitForStatus } from '../support/spawn-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Jest 30 applies only a global testTimeout: the e2e project's 30 s never reaches the runner.
jest.setTimeout(60_000);

const OBSERVABILITY_MODULES =
  /[\\/]node_modules[\\/](prom-client|@opentelemetry|@fastify[\\/]otel|require-in-the-middle)[\\/]/;

/**
 * Loaded into the built app with --require: on SIGWINCH (a signal Nest's shutdown hooks leave alone)
 * it prints, as one JSON line, the CommonJS modules loaded from the packages metrics and tracing
 * use (all of them are CommonJS).
 */
const PROBE = `
process.on('SIGWINCH', () => {
  const pattern = ${OBSERVABILITY_MODULES.toString()};
  const loaded = Object.keys(require.cache).filter((path) => pattern.test(path));
  process.stdout.write('PROBE ' + JSON.stringify(loaded) + '\\n');
});
`;

describe('observability at start-up (node dist/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-observability-'));
  const probe = join(dir, 'probe.js');
  let db: TestDatabase;

  beforeAll(async () => {
    writeFileSync(probe, PROBE);
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function baseEnv(port: number): Record<string, string> {
    return spawnedTestEnv(port, dir, db, { NODE_OPTIONS: `--require ${probe}` });
  }

  /**
   * Starts the app, serves a few requests, and returns the observability modules it loaded and,
   * once it has stopped, everything it printed.
   */
  async function loadedModules(
    extra: Record<string, string>,
  ): Promise<{ modules: string[]; output: () => string }> {
    const port = await freePort();
    const app = spawnApp({ ...baseEnv(port), ...extra });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 60_000).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${app.output()}`);
        },
      );
      for (const path of ['/health/live', '/api/users/me', '/nope']) {
        await fetch(`http://127.0.0.1:${port}${path}`);
      }
      app.child.kill('SIGWINCH');
      const started = Date.now();
      while (!/^PROBE /m.test(app.output()) && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const line = /^PROBE (.*)$/m.exec(app.output());
      if (!line) throw new Error(`no probe output:\n${app.output()}`);
      return { modules: JSON.parse(line[1]) as string[], output: app.output };
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }

  it('loads neither prom-client nor any OpenTelemetry package when both are off', async () => {
    expect((await loadedModules({})).modules).toEqual([]);
  }, 90_000);

  it('loads them when METRICS_PORT and OTEL_EXPORTER_OTLP_ENDPOINT are set (the probe sees them)', async () => {
    // A collector that refuses every batch (400 is final: the exporter does not retry it).
    let batches = 0;
    const collector = createHttpServer((request, response) => {
      batches++;
      request.resume();
      response.writeHead(400).end();
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port: collectorPort } = collector.address() as { port: number };
    const { modules: loaded, output } = await loadedModules({
      METRICS_PORT: String(await freePort()),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    }).finally(() => collector.close());
    expect(loaded.some((path) => /[\\/]prom-client[\\/]/.test(path))).toBe(true);
    expect(loaded.some((path) => /[\\/]@opentelemetry[\\/]sdk-node[\\/]/.test(path))).toBe(true);
    // The refused export is reported as JSON lines, like every other line the app prints.
    const otel = output()
      .split('\n')
      .filter((l) => l.includes('"context":"OpenTelemetry"'));
    expect(batches).toBeGreaterThan(0);
    expect(otel.length).toBeGreaterThan(0);
    for (const l of otel) expect(JSON.parse(l)).toMatchObject({ level: 'error' });
    // …and only there: no other logger reports the refusal (at shutdown, say) without that context.
    const mentions = output()
      .split('\n')
      .filter((l) => l.includes('OTLPExporterError'));
    expect(mentions.every((l) => l.includes('"context":"OpenTelemetry"'))).toBe(true);
  }, 90_000);

  it('stops the start with one line naming METRICS_PORT when the port is taken', async () => {
    const taken = await freePort();
    const squatter: Server = createServer().listen(taken, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const app = spawnApp({ ...baseEnv(await freePort()), METRICS_PORT: String(taken) });
      expect(await app.exited).toBe(1);
      const lines = app.output().split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        level: 'error',
        message: `startup failed: METRICS_PORT ${taken}: cannot listen on 127.0.0.1 (EADDRINUSE)`,
      });
    } finally {
      squatter.close();
    }
  }, 90_000);
});

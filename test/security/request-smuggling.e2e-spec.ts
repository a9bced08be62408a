// Request smuggling (ASVS 4.2.1): a request whose length two headers disagree on must end the
// connection, so that nothing read after it can be taken for a request of its own. Sent over a raw
// TCP socket, since an HTTP client would never write such a request.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { startSecurityApp } from './security-helpers';
import type { TestApp } from '../support/test-app';

interface RawExchange {
  /** Every byte the server sent, until it closed the connection. */
  answer: string;
  closedByServer: boolean;
}

/** Writes `raw` on a new connection and reads until the server closes it (or 3 s pass). */
function sendRaw(url: string, raw: string): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedByServer: false });
    }, 3_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedByServer: true });
    });
    socket.write(raw);
  });
}

const statusLines = (answer: string): string[] => answer.match(/^HTTP\/1\.\d \d{3}/gm) ?? [];

describe('request smuggling: ambiguous message boundaries', () => {
  let t: TestApp;
  let host: string;

  beforeAll(async () => {
    t = await startSecurityApp();
    host = new URL(t.url).host;
  });
  afterAll(() => t.close());

  const loggedPaths = (): string[] =>
    readFileSync(join(t.env.LOG_DIR, 'security.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => String((JSON.parse(line) as { path?: unknown }).path));

  /** A request on a connection of its own, awaited in the log: everything before it is written. */
  async function logBarrier(marker: string): Promise<void> {
    await request(t.url).get(`/api/${marker}`).expect(404);
    for (let waited = 0; !loggedPaths().includes(`/api/${marker}`); waited += 50) {
      if (waited > 5_000) throw new Error(`${marker} never reached the security log`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // Both cases aim at a route that reads no body: a lenient parser (insecureHTTPParser) lets the
  // chunked reading win there, answers 200 and then runs the smuggled GET; on a body route,
  // Fastify's own length check would answer 400 and hide the parser's part.
  it('answers Content-Length with Transfer-Encoding: chunked with 400, closes, and never runs the request smuggled behind it', async () => {
    const smuggled = `GET /api/smuggled-te-cl HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const body = `0\r\n\r\n${smuggled}`;
    const { answer, closedByServer } = await sendRaw(
      t.url,
      `GET /health/live HTTP/1.1\r\nHost: ${host}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 400']);
    expect(answer).toMatch(/^connection: close\r$/im);
    expect(closedByServer).toBe(true);
    await logBarrier('smuggling-barrier-1');
    expect(loggedPaths()).not.toContain('/api/smuggled-te-cl');
  });

  it('answers two Content-Length headers with different values with 400 and closes', async () => {
    const smuggled = `GET /api/smuggled-cl-cl HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const body = `{}${smuggled}`;
    const { answer, closedByServer } = await sendRaw(
      t.url,
      `GET /health/live HTTP/1.1\r\nHost: ${host}\r\n` +
        `Content-Length: 2\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 400']);
    expect(closedByServer).toBe(true);
    await logBarrier('smuggling-barrier-2');
    expect(loggedPaths()).not.toContain('/api/smuggled-cl-cl');
  });
});

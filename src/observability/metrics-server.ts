import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MetricsSink } from './metrics.service';

/** Loopback only: the metrics reveal traffic and failure patterns, so they are never public. */
export const METRICS_HOST = '127.0.0.1';

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * A plain node:http listener for `GET /metrics`, apart from the API's Fastify instance: scrapes never
 * pass the API's rate limits, guards or logs, and the API port never serves metrics.
 */
export async function startMetricsServer(port: number, sink: MetricsSink): Promise<Server> {
  const server = createServer((request, response) => void answer(request, response, sink));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`METRICS_PORT ${port}: cannot listen on ${METRICS_HOST} (${error.code})`)),
    );
    server.listen(port, METRICS_HOST, resolve);
  });
  return server;
}

export async function stopMetricsServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  sink: MetricsSink,
): Promise<void> {
  const path = (request.url ?? '').split('?', 1)[0];
  if (path !== '/metrics') return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  try {
    const { contentType, body } = await sink.render();
    send(response, 200, contentType, request.method === 'HEAD' ? '' : body);
  } catch {
    send(response, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n');
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { ...HEADERS, 'Content-Type': contentType });
  response.end(body);
}

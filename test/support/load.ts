import request from 'supertest';

export interface Sample {
  at: number;
  status: number;
  ms: number;
  retryAfter?: string;
  body: unknown;
}

/**
 * A steady load of `concurrency` clients repeating `send` until stopped; every answer is kept with
 * its time, status and latency. Network failures are kept as status 0.
 */
export function steadyLoad(send: () => request.Test, concurrency = 4, pauseMs = 20) {
  const samples: Sample[] = [];
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const started = Date.now();
      try {
        const res = await send();
        samples.push({
          at: started,
          status: res.status,
          ms: Date.now() - started,
          retryAfter: res.headers['retry-after'],
          body: res.body,
        });
      } catch {
        samples.push({ at: started, status: 0, ms: Date.now() - started, body: undefined });
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    samples,
    async stop(): Promise<Sample[]> {
      running = false;
      await Promise.all(clients);
      return samples;
    },
  };
}

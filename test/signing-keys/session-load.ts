import { kidOf, me, refresh, tokensOf, type Instance, type Tokens } from './instance-client';

/** One GET /api/users/me: where, with a token of which key, and the answer. */
export interface MeSample {
  instance: string;
  kid: string;
  status: number;
}

/** One refresh: where, when, its answer, and the key of the access token it handed out. */
export interface MintSample {
  instance: string;
  at: number;
  status: number;
  kid: string | undefined;
}

/**
 * Live sessions used the way clients use them, across every instance: each session sends
 * GET /api/users/me to the instances in turn with its current access token, and every
 * `refreshEveryMs` spends its refresh token on the next instance for a new pair. Runs until stopped.
 */
export function sessionLoad(
  instances: Instance[],
  sessions: Tokens[],
  { refreshEveryMs = 400, pauseMs = 5 } = {},
) {
  const reads: MeSample[] = [];
  const mints: MintSample[] = [];
  let running = true;
  const client = async (session: Tokens, index: number): Promise<void> => {
    let current = session;
    let turn = index;
    let lastRefresh = Date.now();
    while (running) {
      const instance = instances[turn++ % instances.length];
      const res = await me(instance, current.accessToken);
      reads.push({ instance: instance.name, kid: kidOf(current.accessToken), status: res.status });
      if (Date.now() - lastRefresh >= refreshEveryMs) {
        const at = Date.now();
        const renewed = await refresh(instance, current.refreshToken);
        const ok = renewed.status === 200;
        if (ok) current = tokensOf(renewed);
        mints.push({
          instance: instance.name,
          at,
          status: renewed.status,
          kid: ok ? kidOf(current.accessToken) : undefined,
        });
        lastRefresh = Date.now();
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const clients = sessions.map(client);
  return {
    reads,
    mints,
    async stop(): Promise<{ reads: MeSample[]; mints: MintSample[] }> {
      running = false;
      await Promise.all(clients);
      return { reads, mints };
    },
  };
}

/** Answers other than `expected`, counted by instance, key and status (empty when there are none). */
export function unexpected(
  samples: Array<{ instance: string; kid?: string; status: number }>,
  expected = 200,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { instance, kid, status } of samples)
    if (status !== expected) {
      const key = `${instance} ${kid ?? '-'} ${status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  return counts;
}

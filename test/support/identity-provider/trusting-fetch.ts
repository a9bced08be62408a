import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';

export type TrustingFetch = (
  url: string | URL,
  init?: Parameters<typeof fetch>[1],
) => ReturnType<typeof fetch>;

/** undici's fetch with an Agent that trusts exactly the test CA in caFile (not the system CAs). */
export function trustingFetch(caFile: string): TrustingFetch {
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  return (url, init) => fetch(url, { ...init, dispatcher });
}

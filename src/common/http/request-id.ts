import type { IncomingMessage } from 'node:http';
import { randomId } from '../../crypto/random';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Echo a well-formed inbound X-Request-Id so traces join up across services; replace anything else. */
export function requestIdFor(req: IncomingMessage): string {
  const inbound = req.headers['x-request-id'];
  return typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomId();
}

import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import type { CustomFetch } from 'openid-client';
import { readCa, TLS_CLIENT_POLICY } from '../../crypto/tls-policy';

/**
 * The one HTTP client that talks to identity providers: verified TLS (the system CAs plus the
 * bundle NODE_EXTRA_CA_CERTS names, read when the service starts, so a private CA works without
 * restarting Node with the variable) under the service's TLS policy, and no redirects followed
 * (openid-client asks for manual redirects; a provider that redirects its token endpoint is refused).
 * undici's own fetch and Agent, so the agent's options are honoured on every Node version.
 */
export function providerFetch(extraCaFile: string | undefined): CustomFetch {
  const ca = [...rootCertificates];
  if (extraCaFile) ca.push(readCa(extraCaFile, 'NODE_EXTRA_CA_CERTS'));
  const dispatcher = new Agent({
    connect: { ...TLS_CLIENT_POLICY, ca, rejectUnauthorized: true },
    // A provider that accepts the connection and then stalls is cut off by the request's own
    // timeout (openid-client's AbortSignal); these bound the socket phases on their own.
    connectTimeout: 10_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  return (url: string, options: Parameters<CustomFetch>[1]) =>
    undiciFetch(url, {
      ...(options as object),
      dispatcher,
    });
}

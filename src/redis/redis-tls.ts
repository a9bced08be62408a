import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { TLS_CLIENT_POLICY } from '../crypto/tls-policy';

/**
 * The TLS options of a rediss:// connection, undefined for redis://: the server's certificate is
 * verified against `caFile` (or the system CAs) and its host name, with the versions and suites
 * every outbound connection of the service accepts (TLS_CLIENT_POLICY). ioredis's own rediss://
 * handling would use Node's defaults, which also accept CBC and SHA-1 suites on TLS 1.2.
 */
export function redisTlsOptions(url: string, caFile?: string): ConnectionOptions | undefined {
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'rediss:') return undefined;
  const host = hostname.replace(/^\[|\]$/g, '');
  return {
    ...TLS_CLIENT_POLICY,
    rejectUnauthorized: true,
    ...(caFile ? { ca: readCa(caFile) } : {}),
    ...(isIP(host) ? {} : { servername: host }),
  };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The path is operator configuration, not a secret; the cause (ENOENT, EACCES) is enough.
    throw new Error(`REDIS_CA cannot be read: ${path}`);
  }
}

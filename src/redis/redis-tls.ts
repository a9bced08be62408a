import type { ConnectionOptions } from 'node:tls';
import { verifiedTlsOptions } from '../crypto/tls-policy';

/**
 * The TLS options of a rediss:// connection, undefined for redis://: the server is verified against
 * REDIS_CA (or the system CAs) and by name, with the versions and suites every outbound connection
 * of the service accepts. ioredis's own rediss:// handling would use Node's defaults, which also
 * accept CBC and SHA-1 suites on TLS 1.2.
 */
export function redisTlsOptions(url: string, caFile?: string): ConnectionOptions | undefined {
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'rediss:') return undefined;
  return verifiedTlsOptions(hostname.replace(/^\[|\]$/g, ''), caFile, 'REDIS_CA');
}

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/**
 * What every outbound TLS connection of the service accepts (PostgreSQL, the SMTP relay): TLS 1.2 or
 * 1.3, and only AEAD suites with forward secrecy, strongest first: Mozilla's "intermediate"
 * list (https://wiki.mozilla.org/Security/Server_Side_TLS), with 256-bit AES ahead of 128-bit.
 * Node's default list would also accept CBC and SHA-1 suites on TLS 1.2.
 */
export const TLS_CLIENT_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [
    // TLS 1.3 (every suite is AEAD with forward secrecy)
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    // TLS 1.2: ECDHE or DHE key exchange, GCM or ChaCha20-Poly1305
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'DHE-RSA-AES256-GCM-SHA384',
    'DHE-RSA-CHACHA20-POLY1305',
    'DHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
} as const satisfies Pick<ConnectionOptions, 'minVersion' | 'ciphers'>;

/**
 * The TLS options of a client connection to `host` that verifies the server: chain (against the
 * PEM bundle at `caFile`, or the system CAs) and name (SNI and the certificate's names; an IP is
 * checked against its IP SANs), with TLS_CLIENT_POLICY. `caVariable` names the setting in the
 * error when the file cannot be read (the path is configuration, not a secret).
 */
export function verifiedTlsOptions(
  host: string,
  caFile: string | undefined,
  caVariable: string,
): ConnectionOptions {
  return {
    ...TLS_CLIENT_POLICY,
    rejectUnauthorized: true,
    ...(caFile ? { ca: readCa(caFile, caVariable) } : {}),
    ...(isIP(host) ? {} : { servername: host }),
  };
}

/** A PEM bundle named by `variable`; an unreadable path stops the start with its name. */
export function readCa(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${variable} cannot be read: ${path}`);
  }
}

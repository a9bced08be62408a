import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { generateTlsMaterial, type TlsMaterial } from './tls-material';
import { TLS_CLIENT_POLICY } from './tls-policy';

/**
 * The policy against real TLS servers on loopback, each offering one protocol version and suite:
 * what a handshake under TLS_CLIENT_POLICY reaches, and what Node's defaults alone would reach.
 */
describe('TLS_CLIENT_POLICY', () => {
  let tls: TlsMaterial;
  beforeAll(async () => {
    tls = await generateTlsMaterial(['localhost'], ['127.0.0.1']);
  });

  /** The negotiated protocol and suite, or the handshake's error code. */
  async function handshake(server: TlsOptions, client: ConnectionOptions): Promise<string> {
    const listener = createServer({ key: tls.serverKey, cert: tls.serverCert, ...server }, (s) =>
      s.end(),
    );
    listener.on('tlsClientError', () => undefined);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as AddressInfo;
    try {
      return await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, ca: tls.caCert, ...client }, () => {
          resolve(`${socket.getProtocol()} ${socket.getCipher().standardName}`);
          socket.end();
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    } finally {
      listener.close();
    }
  }

  it('negotiates TLS 1.3 with its strongest suite first', async () => {
    expect(await handshake({}, TLS_CLIENT_POLICY)).toBe('TLSv1.3 TLS_AES_256_GCM_SHA384');
  });

  it('accepts TLS 1.2 with an ECDHE AEAD suite', async () => {
    const server = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } as const;
    expect(await handshake(server, TLS_CLIENT_POLICY)).toBe(
      'TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    );
  });

  it('refuses a TLS 1.2 server that offers only a CBC suite, which Node alone would accept', async () => {
    const server = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA384' } as const;
    expect(await handshake(server, {})).toMatch(/^TLSv1\.2 /);
    expect(await handshake(server, TLS_CLIENT_POLICY)).toMatch(/HANDSHAKE_FAILURE|NO_.*CIPHER/);
  });

  it('refuses a server that speaks no more than TLS 1.1', async () => {
    const server = {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    } as const;
    expect(await handshake(server, TLS_CLIENT_POLICY)).toMatch(/VERSION|PROTOCOL/);
  });
});

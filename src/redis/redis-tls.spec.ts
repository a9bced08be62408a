import { TLS_CLIENT_POLICY } from '../crypto/tls-policy';
import { redisTlsOptions } from './redis-tls';

describe('redisTlsOptions', () => {
  it('gives redis:// no TLS at all', () => {
    expect(redisTlsOptions('redis://127.0.0.1:6379')).toBeUndefined();
  });

  it('verifies a rediss:// server by name, with the outbound policy, against REDIS_CA', () => {
    // Any readable file stands in for the PEM bundle: this spec file itself.
    const options = redisTlsOptions('rediss://app:pw@cache.internal:6380/0', __filename);
    expect(options).toEqual({
      ...TLS_CLIENT_POLICY,
      rejectUnauthorized: true,
      ca: expect.stringContaining('redisTlsOptions'),
      servername: 'cache.internal',
    });
  });

  it('sends no server name for an IP address, and trusts the system CAs without REDIS_CA', () => {
    expect(redisTlsOptions('rediss://[::1]:6380')).toEqual({
      ...TLS_CLIENT_POLICY,
      rejectUnauthorized: true,
    });
  });

  it('an unreadable REDIS_CA stops the start, naming the path and nothing else', () => {
    expect(() => redisTlsOptions('rediss://cache:6380', '/nonexistent/ca.pem')).toThrow(
      /^REDIS_CA cannot be read: \/nonexistent\/ca\.pem$/,
    );
  });
});

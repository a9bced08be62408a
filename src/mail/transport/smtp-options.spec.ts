import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLS_CLIENT_POLICY } from '../../crypto/tls-policy';
import { smtpEndpoint, smtpOptions } from './smtp-options';

const caFile = join(mkdtempSync(join(tmpdir(), 'snf-smtp-')), 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('smtpOptions', () => {
  it('smtp:// means STARTTLS required, port 587, credentials decoded, the CA kept', () => {
    const options = smtpOptions('smtp://user%40corp:p%40ss%2Fw%3Ard@mail.example.org', caFile);
    expect(options).toMatchObject({
      host: 'mail.example.org',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'user@corp', pass: 'p@ss/w:rd' },
      tls: {
        rejectUnauthorized: true,
        ...TLS_CLIENT_POLICY,
        servername: 'mail.example.org',
      },
    });
    // The trap: nodemailer's `url` option would drop `tls.ca`. Discrete fields only.
    expect(options).not.toHaveProperty('url');
    expect(options.tls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it('smtps:// means implicit TLS on 465', () => {
    const options = smtpOptions('smtps://smtp.example.org', undefined);
    expect(options).toMatchObject({ host: 'smtp.example.org', port: 465, secure: true });
    expect(options.requireTLS).toBe(false);
    expect(options.auth).toBeUndefined();
    expect(options.tls?.ca).toBeUndefined(); // system CAs
    expect(options.tls?.rejectUnauthorized).toBe(true);
  });

  it('checks an IP host against the certificate IP SANs, without SNI', () => {
    const options = smtpOptions('smtp://127.0.0.1:2525', undefined);
    expect(options).toMatchObject({ host: '127.0.0.1', port: 2525 });
    expect(options.tls).not.toHaveProperty('servername');
    expect(smtpOptions('smtp://[::1]:25', undefined).host).toBe('::1');
  });

  it('never lets the message read files or URLs, and bounds every phase', () => {
    const options = smtpOptions('smtp://h', undefined);
    expect(options).toMatchObject({ disableFileAccess: true, disableUrlAccess: true });
    expect(options.connectionTimeout).toBeGreaterThan(0);
    expect(options.greetingTimeout).toBeGreaterThan(0);
    expect(options.socketTimeout).toBeGreaterThan(0);
  });

  it('names an unreadable SMTP_CA without reading anything else', () => {
    expect(() => smtpOptions('smtp://h', '/nonexistent/ca.pem')).toThrow(
      'SMTP_CA cannot be read: /nonexistent/ca.pem',
    );
  });

  it('describes the endpoint without credentials', () => {
    const endpoint = smtpEndpoint(smtpOptions('smtp://u:secret-pw@h:2525', undefined));
    expect(endpoint).toBe('smtp://h:2525');
  });
});

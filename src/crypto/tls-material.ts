import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 schemas through tsyringe
import { webcrypto } from 'node:crypto';

export interface TlsMaterial {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/**
 * A private CA and a server certificate it signs, for local TLS only (embedded PostgreSQL, and
 * the test suite's TLS servers; the compose stack's comes from docker/tls-init). The CA key
 * exists only in memory: once the server certificate is signed nothing else can ever be issued
 * under this CA, so a leaked DATA_DIR cannot mint new trusted certificates.
 */
export async function generateTlsMaterial(
  hostnames: string[],
  ips: string[],
): Promise<TlsMaterial> {
  // Loaded on use, not with the module: @peculiar/x509 is a development dependency, absent from
  // the production image, which never generates certificates.
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const subtle = webcrypto.subtle;
  const caKeys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const serverKeys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const notBefore = new Date(now - DAY_MS);

  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=secure-nest-foundation local CA',
    keys: caKeys,
    notBefore,
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverCert = await x509.X509CertificateGenerator.create({
    subject: `CN=${hostnames[0] ?? 'localhost'}`,
    issuer: caCert.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter: new Date(now + 825 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...hostnames.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const pkcs8 = await subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caCert: caCert.toString('pem'),
    serverCert: serverCert.toString('pem'),
    serverKey: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

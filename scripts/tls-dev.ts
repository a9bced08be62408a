// Writes development TLS material for the docker-compose PostgreSQL, Redis and Mailpit:
//   docker/tls/ca.crt, docker/tls/server.crt (0644) and docker/tls/server.key (0600).
// The server certificate names `postgres` (the compose service, used by the apps with
// sslmode=verify-full), `redis` (rediss://, verified against ca.crt), `mailpit` (the apps' SMTP
// relay, STARTTLS verified against ca.crt), plus localhost/127.0.0.1/::1 for operators on the
// published port. Material from before `redis` or `mailpit` was added lacks that name: regenerate
// it with --force.
// PostgreSQL in the container runs as uid 999: docker/postgres/tls-entrypoint.sh copies the
// key into the container with that owner and 0600, so the host files keep the caller's owner.
//
// Usage: npm run tls:dev [-- --force] [-- --out <dir>]
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateTlsMaterial } from '../src/crypto/tls-material';

export const HOSTNAMES = ['postgres', 'redis', 'mailpit', 'localhost'];
export const IPS = ['127.0.0.1', '::1'];

function assertPem(label: string, value: unknown, kind: RegExp): string {
  if (typeof value !== 'string' || !kind.test(value)) {
    throw new Error(`generateTlsMaterial() returned no PEM ${label}`);
  }
  return value.endsWith('\n') ? value : `${value}\n`;
}

async function main(argv: string[]): Promise<void> {
  const force = argv.includes('--force');
  const outIndex = argv.indexOf('--out');
  const outDir = resolve(outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1] : 'docker/tls');
  const files = {
    ca: resolve(outDir, 'ca.crt'),
    cert: resolve(outDir, 'server.crt'),
    key: resolve(outDir, 'server.key'),
  };
  if (!force && Object.values(files).every((f) => existsSync(f))) {
    console.log(`TLS material already present in ${outDir} (use --force to regenerate)`);
    return;
  }

  const material = await generateTlsMaterial(HOSTNAMES, IPS);
  const ca = assertPem('CA certificate', material.caCert, /-----BEGIN CERTIFICATE-----/);
  const cert = assertPem('server certificate', material.serverCert, /-----BEGIN CERTIFICATE-----/);
  const key = assertPem('server key', material.serverKey, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);

  await mkdir(outDir, { recursive: true, mode: 0o700 });
  await writeFile(files.ca, ca, { mode: 0o644 });
  await writeFile(files.cert, cert, { mode: 0o644 });
  await writeFile(files.key, key, { mode: 0o600 });
  // writeFile's mode applies only on creation; make it hold when overwriting too.
  await chmod(files.key, 0o600);
  console.log(`Wrote ${files.ca}, ${files.cert}, ${files.key} (key 0600)`);
  console.log(`Server certificate names: ${[...HOSTNAMES, ...IPS].join(', ')}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`tls:dev failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// Runs the compose stack's tls-init script (docker/tls-init/make-tls.sh) with the host's sh and
// openssl, as the one-shot container does, into a temporary directory, and proves what the stack
// relies on: it writes exactly the files validate:delivery reads from its `issue` lines (so that
// check cannot drift from the script), keys 0600 owned by the uid their server runs as, each
// certificate accepted by a real TLS handshake for its service's name and refused for another,
// the CA's key nowhere, and a second run that changes nothing unless a file is missing.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { filesWrittenBy } from '../../scripts/validate-compose-front';

const SCRIPT = join(__dirname, '..', '..', 'docker', 'tls-init', 'make-tls.sh');
const scriptText = readFileSync(SCRIPT, 'utf8');

let root: string;

function runScript(): string {
  const r = spawnSync('/bin/sh', [SCRIPT], {
    env: { ...process.env, TLS_ROOT: root },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath, d.name)))
    .sort();
}

const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** A TLS server with the given material; the client verifies against the CA for `servername`. */
async function handshake(dir: string, servername: string): Promise<Error | undefined> {
  const server: Server = createServer(
    { cert: read(`${dir}/server.crt`), key: read(`${dir}/server.key`) },
    (socket) => socket.end(),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<Error | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: read('ca/ca.crt') }, () => {
        socket.end();
        resolve(undefined);
      });
      socket.on('error', resolve);
    });
  } finally {
    server.close();
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tls-init-'));
  runScript();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

jest.setTimeout(60_000);

describe('docker/tls-init/make-tls.sh', () => {
  const { files, owners } = filesWrittenBy(scriptText);

  it('writes exactly the files validate:delivery expects from its issue lines', () => {
    const expected = [...files].map((f) => f.replace(/^\/tls\//, '')).sort();
    expect(expected).toEqual(
      expect.arrayContaining(['ca/ca.crt', 'postgres/server.key', 'proxy/server.crt']),
    );
    expect(filesUnder(root)).toEqual(expected);
  });

  it('keys 0600, certificates 0644, each key owned by the uid its server runs as when run as root', () => {
    for (const file of filesUnder(root)) {
      const { mode, uid } = statSync(join(root, file));
      expect([file, mode & 0o777]).toEqual([file, file.endsWith('.key') ? 0o600 : 0o644]);
      if (file.endsWith('server.key') && process.getuid?.() === 0) {
        const dir = `/tls/${file.split('/')[0]}`;
        expect([file, uid]).toEqual([file, Number(owners.get(dir))]);
      }
    }
    expect(owners.get('/tls/postgres')).toBe('999');
  });

  it.each([
    ['postgres', 'postgres'],
    ['redis', 'redis'],
    ['mailpit', 'mailpit'],
    ['proxy', 'localhost'],
  ])(
    'the %s certificate passes a verified handshake for %s and fails for another name',
    async (dir, name) => {
      expect(await handshake(dir, name)).toBeUndefined();
      const wrong = await handshake(dir, name === 'redis' ? 'postgres' : 'redis');
      expect(wrong).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    },
  );

  it('every server key matches its certificate, the CA is constrained to the stack, and its key is nowhere', () => {
    const ca = new X509Certificate(read('ca/ca.crt'));
    expect(ca.ca).toBe(true);
    for (const dir of ['postgres', 'redis', 'mailpit', 'proxy']) {
      const cert = new X509Certificate(read(`${dir}/server.crt`));
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.ca).toBe(false);
      const pub = createPublicKey(read(`${dir}/server.key`)).export({
        format: 'der',
        type: 'spki',
      });
      expect(pub.equals(cert.publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
      expect(read(`${dir}/ca.crt`)).toBe(read('ca/ca.crt'));
    }
    const keys = filesUnder(root).filter((f) => /PRIVATE KEY/.test(read(f)));
    expect(keys).toEqual([
      'mailpit/server.key',
      'postgres/server.key',
      'proxy/server.key',
      'redis/server.key',
    ]);
    const text = spawnSync('openssl', ['x509', '-noout', '-text', '-in', join(root, 'ca/ca.crt')], {
      encoding: 'utf8',
    }).stdout;
    expect(text).toMatch(
      /Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:postgres\s+DNS:redis\s+DNS:mailpit\s+IP:127\.0\.0\.1\/255\.255\.255\.255/,
    );
  });

  it('a second run changes nothing; with a file missing, it makes everything anew under a new CA', () => {
    const before = read('ca/ca.crt');
    const proxyCert = read('proxy/server.crt');
    expect(runScript()).toMatch(/nothing to do/);
    expect(read('ca/ca.crt')).toBe(before);
    expect(read('proxy/server.crt')).toBe(proxyCert);

    rmSync(join(root, 'redis/server.key'));
    expect(runScript()).toMatch(/redis\/server\.crt for redis/);
    expect(read('ca/ca.crt')).not.toBe(before);
    expect(read('proxy/server.crt')).not.toBe(proxyCert);
    expect(
      new X509Certificate(read('proxy/server.crt')).checkIssued(
        new X509Certificate(read('ca/ca.crt')),
      ),
    ).toBe(true);
  });
});

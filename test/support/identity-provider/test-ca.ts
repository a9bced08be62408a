import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTlsMaterial, type TlsMaterial } from '../../../src/crypto/tls-material';

/** A test CA's certificate on disk (the path NODE_EXTRA_CA_CERTS takes) and a server certificate it signed. */
export interface TestCa {
  tls: TlsMaterial;
  caFile: string;
}

/**
 * A new CA whose one server certificate covers 127.0.0.1 and localhost. Pass the same TestCa to
 * every provider and the GitHub stand-in of a test, so the app under test trusts them all through
 * a single CA file.
 */
export async function createTestCa(): Promise<TestCa> {
  const tls = await generateTlsMaterial(['localhost'], ['127.0.0.1']);
  const caFile = join(mkdtempSync(join(tmpdir(), 'snf-idp-ca-')), 'ca.pem');
  writeFileSync(caFile, tls.caCert);
  return { tls, caFile };
}

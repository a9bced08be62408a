import type { INestApplicationContext } from '@nestjs/common';
import { TokenKeys } from '../signing-keys/token-keys.service';
import type { CliOutput } from './cli-command';

const USAGE = 'usage: npm run cli -- rotate-signing-key [--compromised]\n';

/**
 * `rotate-signing-key`: a new access-token key, published now and signing after
 * JWT_KEY_PUBLISH_AHEAD (nothing new if one is already waiting). `--compromised`: the signing key
 * is revoked at once, a new one signs now, and every session that held a token from the revoked
 * key ends. Audited either way (`security.signing_key.rotated`).
 */
export async function rotateSigningKey(
  app: INestApplicationContext,
  args: string[],
  out: CliOutput,
): Promise<number> {
  const compromised = args.includes('--compromised');
  if (args.some((arg) => arg !== '--compromised')) {
    out.stderr(USAGE);
    return 1;
  }
  const keys = app.get(TokenKeys);
  if (!keys.asymmetric) {
    out.stderr('JWT_ALGORITHM=HS256 signs with JWT_SECRET: rotate that secret instead\n');
    return 1;
  }
  if (compromised) {
    const result = await keys.revokeCompromised();
    out.stdout(
      `revoked key ${result.revokedKid}; key ${result.kid} signs now; sessions ended: ${result.sessionsRevoked}\n`,
    );
    return 0;
  }
  const result = await keys.rotate('operator');
  const when = result.signsFrom.toISOString();
  out.stdout(
    result.created
      ? `new key ${result.kid} published; it signs from ${when}\n`
      : `key ${result.kid} is already waiting; it signs from ${when}\n`,
  );
  return 0;
}

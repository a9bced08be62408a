import type { INestApplicationContext } from '@nestjs/common';
import { UserSessionsService } from '../users/user-sessions.service';
import type { CliOutput } from './cli-command';

const USAGE = 'usage: npm run cli -- revoke-sessions --user <email> | --all\n';

/**
 * `revoke-sessions --user <email>` ends every session of one account, `--all` of every account
 * (after rotating the signing keys, or a suspected leak of the database). Audited either way.
 */
export async function revokeSessions(
  app: INestApplicationContext,
  args: string[],
  out: CliOutput,
): Promise<number> {
  const flag = args.indexOf('--user');
  const email = flag >= 0 ? args[flag + 1] : undefined;
  const all = args.includes('--all');
  if (all === flag >= 0 || (flag >= 0 && !email)) {
    out.stderr(USAGE);
    return 1;
  }
  const service = app.get(UserSessionsService);
  if (all) {
    out.stdout(`sessions revoked: ${await service.revokeEveryoneByOperator()}\n`);
    return 0;
  }
  const count = await service.revokeByOperator(email ?? '');
  if (count === undefined) {
    out.stderr('no account has this email\n');
    return 1;
  }
  out.stdout(`sessions revoked: ${count}\n`);
  return 0;
}

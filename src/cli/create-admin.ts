import type { INestApplicationContext } from '@nestjs/common';
import { AdminBootstrapService } from '../account/admin-bootstrap.service';
import type { CliOutput } from './cli-command';
import { readSecret } from './read-secret';

/** `create-admin --email <address>`: the password is read from stdin, never from the command line. */
export async function createAdmin(
  app: INestApplicationContext,
  args: string[],
  out: CliOutput,
): Promise<number> {
  const flag = args.indexOf('--email');
  const email = flag >= 0 ? args[flag + 1] : undefined;
  if (!email) {
    out.stderr('usage: npm run cli -- create-admin --email <address>   (password on stdin)\n');
    return 1;
  }
  const password = await readSecret('Password for the new admin: ');
  if (!password) {
    out.stderr('no password given on stdin\n');
    return 1;
  }
  try {
    const id = await app.get(AdminBootstrapService).createAdmin(email, password);
    if (!id) {
      out.stderr('an account with this email already exists\n');
      return 1;
    }
    out.stdout(`admin created: ${id}\n`);
    return 0;
  } catch (error) {
    out.stderr(`${error instanceof Error ? error.message : 'admin not created'}\n`);
    return 1;
  }
}

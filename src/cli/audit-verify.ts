import type { INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { CliOutput } from './cli-command';

/** `audit:verify`: exit 0 when the chain verifies, 2 when it does not (naming the first bad row). */
export async function auditVerify(
  app: INestApplicationContext,
  _args: string[],
  out: CliOutput,
): Promise<number> {
  const result = await app.get(AuditService).verify();
  if (result.valid) {
    out.stdout(`audit chain valid: ${result.count} events verified\n`);
    return 0;
  }
  out.stderr(
    `audit chain INVALID: first invalid event ${result.firstInvalidId} (${result.count} events checked)\n`,
  );
  return 2;
}

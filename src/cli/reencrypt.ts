import type { INestApplicationContext } from '@nestjs/common';
import { ReencryptService, type ReencryptProgress } from '../key-rotation/reencrypt.service';
import type { CliOutput } from './cli-command';

const BAR_WIDTH = 30;

/** Exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * `reencrypt`: moves every encrypted field to the active key; safe to stop and run again. Ctrl-C
 * (or SIGTERM) stops it after the batch in progress, and it says how far it got.
 */
export async function reencrypt(
  app: INestApplicationContext,
  _args: string[],
  out: CliOutput,
  tty = Boolean(process.stdout.isTTY),
): Promise<number> {
  let lastLine = 0;
  const report = (p: ReencryptProgress): void => {
    if (tty) {
      const share = p.total === 0 ? 1 : p.done / p.total;
      const filled = Math.round(share * BAR_WIDTH);
      out.stdout(
        `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.done}/${p.total} rows`,
      );
    } else if (Date.now() - lastLine >= 2_000 || p.done === p.total) {
      lastLine = Date.now();
      out.stdout(`reencrypt: ${p.done}/${p.total} rows, ${p.rewritten} values rewritten\n`);
    }
  };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await app.get(ReencryptService).run(report, stop.signal);
    if (tty) out.stdout('\n');
    if (result.interrupted) {
      out.stdout(
        `interrupted: ${result.done}/${result.total} rows checked, ${result.rewritten} values rewritten; run reencrypt again to finish\n`,
      );
      return INTERRUPTED;
    }
    out.stdout(
      `done: ${result.done} rows checked, ${result.rewritten} values rewritten under the active key\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

import { connect } from 'node:net';
import { mustRunEverything } from './prerequisites';

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/** True when a Redis answers PING at 127.0.0.1:6379 within half a second. */
function localRedisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 6379 });
    const done = (answers: boolean): void => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Run from each jest project's global setup, before the workers fork (they inherit process.env):
 * the Redis specs run against REDIS_URL, or the local Redis when one answers, so a plain `npm test`
 * on a machine with Redis skips nothing. Without either they are skipped, and the run says so in
 * a banner and in the summary at its end; `npm run test:full` and CI fail the run instead.
 */
export async function useLocalRedis(): Promise<void> {
  if (process.env.REDIS_URL) return;
  if (await localRedisAnswers()) {
    process.env.REDIS_URL = LOCAL_REDIS;
    process.stdout.write(`\nRedis specs use ${LOCAL_REDIS} (set REDIS_URL to choose another)\n`);
    return;
  }
  const message =
    'no Redis: REDIS_URL is unset and nothing answers at 127.0.0.1:6379, so every Redis spec is SKIPPED';
  if (mustRunEverything()) throw new Error(message);
  process.stdout.write(
    `\n${'!'.repeat(message.length)}\n${message}\n${'!'.repeat(message.length)}\n`,
  );
}

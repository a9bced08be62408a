import { Env } from './config/env.schema';
import { settingParts } from './startup-banner';

const env = (fields: Partial<Env> = {}): Env => Object.assign(new Env(), fields);

describe('the start-up banner: settings a developer looks for', () => {
  it('names the auth limit and its variable outside production, nothing else by default', () => {
    expect(settingParts(env())).toEqual([
      'auth limit: 5 per 15 minutes per route (AUTH_RATE_LIMIT_MAX)',
    ]);
    expect(settingParts(env({ AUTH_RATE_LIMIT_MAX: 50, RATE_LIMIT_WINDOW_MS: 60_000 }))).toEqual([
      'auth limit: 50 per 1 minute per route (AUTH_RATE_LIMIT_MAX)',
    ]);
  });

  it('shows the metrics listener and Redis as host:port, never its password', () => {
    const parts = settingParts(
      env({ METRICS_PORT: 9464, REDIS_URL: 'redis://app:S3cret-Redis-pass@cache.internal:6380/2' }),
    );
    expect(parts).toEqual([
      'auth limit: 5 per 15 minutes per route (AUTH_RATE_LIMIT_MAX)',
      'metrics: http://127.0.0.1:9464/metrics',
      'Redis: cache.internal:6380',
    ]);
    expect(parts.join(' ')).not.toMatch(/S3cret|app:/);
    expect(settingParts(env({ REDIS_URL: 'rediss://:pw@cache.internal:6379' }))).toContain(
      'Redis: cache.internal:6379 over TLS',
    );
  });

  it('in production: no limit hint; metrics and Redis still shown', () => {
    expect(settingParts(env({ NODE_ENV: 'production' }))).toEqual([]);
    expect(
      settingParts(
        env({ NODE_ENV: 'production', METRICS_PORT: 9464, REDIS_URL: 'redis://r:6379' }),
      ),
    ).toEqual(['metrics: http://127.0.0.1:9464/metrics', 'Redis: r:6379']);
  });
});

import { limitMessage } from './limit-hint';

describe('limitMessage', () => {
  it('names the variable, the limit and the window outside production', () => {
    expect(
      limitMessage('Too many requests', {
        variable: 'AUTH_RATE_LIMIT_MAX',
        limit: 5,
        windowMs: 900_000,
      }),
    ).toBe('Too many requests (development: 5 per 15 minutes; AUTH_RATE_LIMIT_MAX raises it)');
    expect(
      limitMessage('Slow down', { variable: 'RATE_LIMIT_MAX', limit: 1, windowMs: 1_000 }),
    ).toBe('Slow down (development: 1 per 1 second; RATE_LIMIT_MAX raises it)');
    expect(
      limitMessage('Slow down', { variable: 'RATE_LIMIT_MAX', limit: 9, windowMs: 90_000 }),
    ).toBe('Slow down (development: 9 per 90 seconds; RATE_LIMIT_MAX raises it)');
  });

  it('leaves the message as it is without a hint (production)', () => {
    expect(limitMessage('Too many requests: try again later', undefined)).toBe(
      'Too many requests: try again later',
    );
  });
});

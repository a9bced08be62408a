import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isUniqueViolation } from './postgres-errors';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
const wrapped = (driverError: Error): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], driverError);

describe('postgres error classification', () => {
  it.each([
    [
      'statement timeout',
      wrapped(pgError('57014', 'canceling statement due to statement timeout')),
    ],
    ['admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['starting up', pgError('57P03', 'the database system is starting up')],
    ['connection failure', pgError('08006')],
    ['too many connections', pgError('53300')],
    ['refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', pgError('ECONNRESET')],
    ['pool wait', new Error('timeout exceeded when trying to connect')],
    ['dropped', new Error('Connection terminated unexpectedly')],
  ])('treats %s as the database being unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', wrapped(pgError('23505'))],
    ['a syntax error', wrapped(pgError('42601'))],
    ['a permission error', wrapped(pgError('42501'))],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['not an error', 'nope'],
  ])('does not treat %s as unavailability', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('recognises a unique violation wrapped by TypeORM', () => {
    expect(isUniqueViolation(wrapped(pgError('23505')))).toBe(true);
    expect(isUniqueViolation(wrapped(pgError('23503')))).toBe(false);
  });
});

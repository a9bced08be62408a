import { SeverityNumber } from '@opentelemetry/api-logs';
import { otlpLogRecord } from './otlp-log-record';

describe('otlpLogRecord', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');

  it('maps each winston level on its OpenTelemetry severity', () => {
    const severity = (level: string): SeverityNumber | undefined =>
      otlpLogRecord({ level, message: 'm' }, at).severityNumber;
    expect(severity('error')).toBe(SeverityNumber.ERROR);
    expect(severity('warn')).toBe(SeverityNumber.WARN);
    expect(severity('info')).toBe(SeverityNumber.INFO);
    expect(severity('debug')).toBe(SeverityNumber.DEBUG);
    expect(severity('unheard-of')).toBe(SeverityNumber.UNSPECIFIED);
  });

  it('carries every field of the entry as an attribute, the message as the body, no symbol key', () => {
    const record = otlpLogRecord(
      {
        level: 'warn',
        message: 'request failed',
        requestId: 'r-1',
        status: 404,
        userId: 'anonymous',
        absent: undefined,
        [Symbol.for('level')]: 'warn',
      },
      at,
    );
    expect(record).toEqual({
      timestamp: at,
      severityNumber: SeverityNumber.WARN,
      severityText: 'warn',
      body: 'request failed',
      attributes: {
        timestamp: '2026-01-02T03:04:05.000Z',
        level: 'warn',
        message: 'request failed',
        requestId: 'r-1',
        status: 404,
        userId: 'anonymous',
      },
    });
  });
});

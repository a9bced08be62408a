import { SeverityNumber, type AnyValueMap, type LogRecord } from '@opentelemetry/api-logs';

/** winston's npm levels on OpenTelemetry's severities (the mapping the OTel winston transport uses). */
const SEVERITY: Record<string, SeverityNumber> = {
  error: SeverityNumber.ERROR,
  warn: SeverityNumber.WARN,
  info: SeverityNumber.INFO,
  http: SeverityNumber.DEBUG3,
  verbose: SeverityNumber.DEBUG2,
  debug: SeverityNumber.DEBUG,
  silly: SeverityNumber.TRACE,
};

/**
 * One security log entry as an OTLP log record: the JSON line's fields (`level`, `message`,
 * `requestId`, `status`, `path`, `userId`, `ip`… and the line's `timestamp`) as attributes, the
 * message as the body, the level as the severity. `info` has been through redactFormat already
 * (it runs at the logger, before any transport): what the collector gets is what the file gets.
 */
export function otlpLogRecord(info: Record<string, unknown>, now = new Date()): LogRecord {
  const level = String(info.level);
  const attributes: AnyValueMap = { timestamp: now.toISOString() };
  for (const [key, value] of Object.entries(info)) {
    if (value !== undefined) attributes[key] = value as AnyValueMap[string];
  }
  return {
    timestamp: now,
    severityNumber: SEVERITY[level] ?? SeverityNumber.UNSPECIFIED,
    severityText: level,
    body: typeof info.message === 'string' ? info.message : JSON.stringify(info.message),
    attributes,
  };
}

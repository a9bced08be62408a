import { AUDIT_EVENT_TYPES } from '../audit/audit-event-type';
import { AUTH_EVENTS } from './auth-events';

describe('auth_events_total labels', () => {
  it('are all audit event types, so a label always leads to GET /api/audit/events?type=…', () => {
    const known: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);
    expect([...AUTH_EVENTS].filter((event) => !known.has(event))).toEqual([]);
  });

  it('cover every authentication and MFA outcome', () => {
    const outcomes = AUDIT_EVENT_TYPES.filter(
      (type) => type.startsWith('auth.login') || type.startsWith('auth.mfa.'),
    );
    expect(outcomes.filter((type) => !AUTH_EVENTS.has(type))).toEqual([]);
  });
});

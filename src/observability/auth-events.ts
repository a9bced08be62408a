/**
 * The audit event types counted by `auth_events_total{event}`: authentication outcomes, by the same
 * names as the audit trail, so a spike on a dashboard leads straight to
 * `GET /api/audit/events?type=…`. A closed list: any other type is ignored, so the label's values
 * stay few whatever is recorded.
 */
export const AUTH_EVENTS: ReadonlySet<string> = new Set([
  'auth.login.success',
  'auth.login.failure',
  'security.rate_limited',
  'auth.refresh',
  'auth.refresh.reuse_detected',
  'auth.reauth.failure',
  'auth.mfa.enabled',
  'auth.mfa.disabled',
  'auth.mfa.failure',
  'auth.mfa.failure_notice',
  'auth.step_up',
  'auth.mfa.recovery_used',
  'auth.mfa.recovery_regenerated',
  'auth.oidc.login',
  'auth.oidc.failure',
  'auth.oidc.linked',
  'auth.oidc.unlinked',
]);

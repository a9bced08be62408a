/** Every security-relevant event the audit trail records (API.md lists the required ones). */
export const AUDIT_EVENT_TYPES = [
  'auth.register',
  'auth.login.success',
  'auth.login.failure',
  'auth.refresh',
  'auth.refresh.reuse_detected',
  'auth.logout',
  'auth.logout_all',
  'auth.session.revoked',
  'auth.reauth.failure',
  'user.password.changed',
  'user.profile.updated',
  'user.sensitive.updated',
  'user.sensitive.revealed',
  'user.sensitive.decrypt_failed',
  'admin.user.updated',
  'admin.user.created',
  'security.rate_limited',
  'audit.pruned',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

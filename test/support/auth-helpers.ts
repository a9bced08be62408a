import type { TestApp } from './test-app';

/**
 * Filled in by the auth branch: flip to true once adminToken()/userToken() log in for real. Specs
 * that need a token run only then (see test/audit/audit-http.e2e-spec.ts) and are skipped until.
 */
export const AUTH_HELPERS_IMPLEMENTED = false;

/** An access token of an admin user of `t` (created if needed). */
export async function adminToken(t: TestApp): Promise<string> {
  void t;
  return Promise.reject(new Error('not implemented'));
}

/** An access token of a plain (role `user`) user of `t`. */
export async function userToken(t: TestApp): Promise<string> {
  void t;
  return Promise.reject(new Error('not implemented'));
}

import { DEFAULT_PASSWORD_POLICY, type PasswordPolicySettings } from './password-policy';

let active: PasswordPolicySettings = DEFAULT_PASSWORD_POLICY;

/**
 * The settings @MeetsPasswordPolicy applies. class-validator runs a DTO's decorators outside
 * dependency injection, so AccountModule hands them the application's PasswordPolicyConfig when
 * it is built: one configuration per process (the last application built wins).
 */
export function activePasswordPolicy(): PasswordPolicySettings {
  return active;
}

export function usePasswordPolicy(settings: PasswordPolicySettings): void {
  active = settings;
}

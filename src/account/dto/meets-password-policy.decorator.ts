import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { passwordPolicyViolations } from '../password-policy';
import { activePasswordPolicy } from '../password-policy-settings';

export interface MeetsPasswordPolicyOptions {
  /** Sibling property holding the username; the password may not contain it. */
  usernameField?: string;
  /** Sibling property holding the email; the password may not contain its local part. */
  emailField?: string;
}

const NOT_A_STRING = 'must be a string.';

// Reads a sibling only when it is a string: at validation time the DTO still holds raw
// client input, and a non-string there is reported by that field's own validators.
function sibling(object: object, field: string | undefined): string | undefined {
  if (!field) return undefined;
  const value = (object as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

function violations(args: ValidationArguments, options: MeetsPasswordPolicyOptions): string[] {
  if (typeof args.value !== 'string') return [`${args.property} ${NOT_A_STRING}`];
  return passwordPolicyViolations(
    args.value,
    {
      username: sibling(args.object, options.usernameField),
      email: sibling(args.object, options.emailField),
    },
    activePasswordPolicy(),
  );
}

/**
 * Validates a password property against the policy in ../password-policy, as configured
 * (../password-policy-settings), using other properties of the same DTO as context. The error
 * message lists the broken rules and never includes the submitted value (class-validator's
 * `$value` placeholder is not used).
 */
export function MeetsPasswordPolicy(
  options: MeetsPasswordPolicyOptions = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'meetsPasswordPolicy',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      constraints: [options],
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          violations(args, options).length === 0,
        // Recomputed rather than cached: the validator object is shared across requests.
        defaultMessage: (args: ValidationArguments) => violations(args, options).join(' '),
      },
    });
  };
}

import { isCommonPassword } from './common-passwords';

export interface PasswordPolicyContext {
  username?: string;
  email?: string;
}

/** What the operator chose (PasswordPolicyConfig carries it from the environment). */
export interface PasswordPolicySettings {
  /** Words of the service's context no password may contain (ASVS 6.2.11), lower case. */
  readonly contextWords: readonly string[];
  /** Upper case, lower case, digit and special each required; false follows ASVS 6.2.5. */
  readonly requireCharacterClasses: boolean;
}

/** The policy before any configuration: the four classes, no context words. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicySettings = {
  contextWords: [],
  requireCharacterClasses: true,
};

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

// Identifiers shorter than this are too likely to occur by chance in a random password.
const MIN_IDENTIFIER_LENGTH = 3;

// The messages are fixed strings: they go back to the client and into logs, so they must
// never carry the submitted password or any part of it.
export const PASSWORD_POLICY_MESSAGES = {
  tooShort: `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`,
  tooLong: `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
  noUppercase: 'Password must contain at least one uppercase letter.',
  noLowercase: 'Password must contain at least one lowercase letter.',
  noDigit: 'Password must contain at least one digit.',
  noSpecial: 'Password must contain at least one special (non-alphanumeric) character.',
  common:
    'Password is too common or appears in known data breaches; choose a less predictable one.',
  containsUsername: 'Password must not contain your username.',
  containsEmail: 'Password must not contain your email address.',
  containsContextWord:
    "Password must not contain the service's name, its web address or another word of its context.",
} as const;

// NFKC first so that look-alikes (full-width letters, ligatures) are judged as what they
// normalise to, the same way they would be if a client normalised before hashing.
const normalise = (value: string): string => value.normalize('NFKC');

function emailLocalParts(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = at >= 0 ? email.slice(0, at) : email;
  // 'jane+shop@x' should still protect 'jane': sub-addressing is a free, trivial variation.
  return [local, local.split('+')[0]];
}

function containsIdentifier(lowered: string, identifiers: readonly string[]): boolean {
  return identifiers
    .map((id) => normalise(id).toLowerCase().trim())
    .some((id) => id.length >= MIN_IDENTIFIER_LENGTH && lowered.includes(id));
}

// "Secure_Nest-Foundation" and "securenestfoundation" are the same name to a guesser.
const SEPARATORS = /[\s._-]+/g;

function containsContextWord(lowered: string, words: readonly string[]): boolean {
  const joined = lowered.replace(SEPARATORS, '');
  return words
    .map((word) => normalise(word).toLowerCase().replace(SEPARATORS, ''))
    .some((word) => word.length >= MIN_IDENTIFIER_LENGTH && joined.includes(word));
}

/** Returns one human-readable message per broken rule; an empty array means acceptable. */
export function passwordPolicyViolations(
  password: string,
  context: PasswordPolicyContext = {},
  settings: PasswordPolicySettings = DEFAULT_PASSWORD_POLICY,
): string[] {
  const m = PASSWORD_POLICY_MESSAGES;
  const normalised = normalise(password);
  const violations: string[] = [];

  // Spread iterates code points, so an emoji counts once, not as two UTF-16 units.
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH) violations.push(m.tooShort);
  if (length > PASSWORD_MAX_LENGTH) violations.push(m.tooLong);

  if (settings.requireCharacterClasses) violations.push(...missingClasses(normalised));

  // Over-long input cannot be in the list; skip the lookups rather than hash megabytes.
  if (length <= PASSWORD_MAX_LENGTH && isCommonPassword(normalised)) violations.push(m.common);

  const lowered = normalised.toLowerCase();
  if (context.username && containsIdentifier(lowered, [context.username])) {
    violations.push(m.containsUsername);
  }
  if (context.email && containsIdentifier(lowered, emailLocalParts(context.email))) {
    violations.push(m.containsEmail);
  }
  if (containsContextWord(lowered, settings.contextWords)) violations.push(m.containsContextWord);
  return violations;
}

function missingClasses(normalised: string): string[] {
  const m = PASSWORD_POLICY_MESSAGES;
  const missing: string[] = [];
  if (!/\p{Lu}/u.test(normalised)) missing.push(m.noUppercase);
  if (!/\p{Ll}/u.test(normalised)) missing.push(m.noLowercase);
  if (!/\p{Nd}/u.test(normalised)) missing.push(m.noDigit);
  // Combining marks belong to the letter they modify, so they do not count as "special".
  if (!/[^\p{L}\p{M}\p{N}]/u.test(normalised)) missing.push(m.noSpecial);
  return missing;
}

import { Transform } from 'class-transformer';
import { normaliseEmail } from '../../common/text/normalise-email';

/** Emails are compared and stored trimmed, NFKC-normalised and lower-cased. */
export const NormaliseEmail = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normaliseEmail(value) : value,
  );

export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,30}$/;
export const USERNAME_MESSAGE =
  'username must be 3 to 30 characters of letters, digits and underscores';

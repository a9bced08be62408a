import { registerDecorator, type ValidationOptions } from 'class-validator';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whole years between an ISO calendar date and `today` (UTC), counted to the day; null if not a real date. */
export function ageOn(isoDate: string, today: Date = new Date()): number | null {
  const match = ISO_DATE.exec(isoDate);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  )
    return null;
  const [ty, tm, td] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
  // The birthday has not come yet this year when (month, day) is still ahead of today.
  const beforeBirthday = tm < month || (tm === month && td < day);
  return ty - year - (beforeBirthday ? 1 : 0);
}

/** An ISO date (YYYY-MM-DD), not in the future, no earlier than 1900, and at least `years` ago to the day. */
export function MinimumAge(years: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'minimumAge',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const age = ageOn(value);
          return age !== null && age >= years && Number(value.slice(0, 4)) >= 1900;
        },
        defaultMessage: (args) =>
          typeof args?.value === 'string' &&
          ageOn(args.value) !== null &&
          Number(args.value.slice(0, 4)) >= 1900
            ? `${args.property} shows an age under ${years}; users must be at least ${years}`
            : `${args?.property ?? 'date'} must be a valid ISO date (YYYY-MM-DD)`,
      },
    });
}

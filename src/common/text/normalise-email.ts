/** How every email is compared and stored: trimmed, NFKC-normalised, lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

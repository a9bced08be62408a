import { isIP } from 'node:net';

// A label this short is too likely to occur by chance in a random password (and "www", "app",
// "api" are no secret of the service).
const MIN_HOST_LABEL_LENGTH = 4;

/**
 * The labels of a host name a guesser would try, its public suffix excluded: for
 * app.example.co.uk, "example". Without a public suffix list the last label is taken for the
 * suffix and every other label of at least 4 characters is kept; a longer suffix label
 * ("herokuapp" of herokuapp.com) is then refused too, which errs on the safe side. An IP
 * address names nothing.
 */
export function hostLabels(hostname: string): string[] {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) !== 0) return [];
  return host
    .split('.')
    .slice(0, -1)
    .filter((label) => label.length >= MIN_HOST_LABEL_LENGTH);
}

/**
 * The context words of the password policy (ASVS 6.2.11): the service's name (JWT_ISSUER; the
 * labels of its host when it is a URL), the labels of the PUBLIC_APP_URL host, and the operator's
 * own words. Lower case, each once.
 */
export function passwordContextWords(
  issuer: string,
  publicAppUrl: string,
  extra: readonly string[],
): string[] {
  const words = [...issuerWords(issuer), ...hostLabels(new URL(publicAppUrl).hostname), ...extra];
  return [...new Set(words.map((word) => word.trim().toLowerCase()).filter(Boolean))];
}

function issuerWords(issuer: string): string[] {
  if (/^https?:\/\//i.test(issuer)) {
    try {
      return hostLabels(new URL(issuer).hostname);
    } catch {
      return [issuer];
    }
  }
  return [issuer];
}

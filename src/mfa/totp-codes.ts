import { Secret, TOTP } from 'otpauth';
import { toString as qrToString } from 'qrcode';

/** RFC 6238 as authenticator apps expect it (Google Authenticator ignores anything else). */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = 'SHA1';
/** One step either side: a phone clock up to 30 s off, or a code typed as it rolls over. */
const WINDOW = 1;
const CODE = /^\d{6}$/;

function totpOf(secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new 160-bit secret (RFC 4226's recommended length for SHA-1), base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secretBase32: string, issuer: string, label: string): string {
  return totpOf(secretBase32, issuer, label).toString();
}

/** The otpauth URI as an SVG QR code (a string a UI can inline), for scanning with an app. */
export function qrSvg(uri: string): Promise<string> {
  return qrToString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The RFC 6238 time step `code` belongs to, within ±1 step of `now`; undefined for any other code.
 * The caller records the step as used (TotpRepository.useStep), which refuses a replay.
 */
export function matchingStep(
  secretBase32: string,
  code: string,
  now = Date.now(),
): number | undefined {
  if (!CODE.test(code)) return undefined;
  const totp = totpOf(secretBase32, 'x', 'x');
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return totp.counter({ timestamp: now }) + delta;
}

import UAParser from 'ua-parser-js';

/**
 * Browser families a notice may name, by the parser's name in lower case. Only these names ever
 * reach a mail: some parser rules copy words out of the User-Agent itself, and that header is
 * whatever the caller chose to send.
 */
const BROWSERS: ReadonlyMap<string, string> = new Map([
  ['chrome', 'Chrome'],
  ['mobile chrome', 'Chrome'],
  ['chrome webview', 'Chrome'],
  ['chrome headless', 'Headless Chrome'],
  ['chromium', 'Chromium'],
  ['firefox', 'Firefox'],
  ['mobile firefox', 'Firefox'],
  ['firefox focus', 'Firefox Focus'],
  ['safari', 'Safari'],
  ['mobile safari', 'Safari'],
  ['edge', 'Edge'],
  ['opera', 'Opera'],
  ['opera mini', 'Opera Mini'],
  ['opera gx', 'Opera GX'],
  ['samsung internet', 'Samsung Internet'],
  ['ie', 'Internet Explorer'],
  ['vivaldi', 'Vivaldi'],
  ['brave', 'Brave'],
  ['yandex', 'Yandex Browser'],
  ['duckduckgo', 'DuckDuckGo'],
  ['ucbrowser', 'UC Browser'],
  ['android browser', 'Android Browser'],
]);

/** Operating-system families a notice may name, under the same rule as BROWSERS. */
const SYSTEMS: ReadonlyMap<string, string> = new Map([
  ['windows', 'Windows'],
  ['mac os', 'macOS'],
  ['macos', 'macOS'],
  ['ios', 'iOS'],
  ['android', 'Android'],
  ['harmonyos', 'HarmonyOS'],
  ['chromium os', 'ChromeOS'],
  ['linux', 'Linux'],
  ['ubuntu', 'Ubuntu'],
  ['debian', 'Debian'],
  ['fedora', 'Fedora'],
  ['freebsd', 'FreeBSD'],
  ['openbsd', 'OpenBSD'],
]);

export const UNRECOGNISED_BROWSER = 'an unrecognised browser';
export const UNRECOGNISED_SYSTEM = 'an unrecognised system';

/**
 * A device as a notice names it: "Chrome on macOS", parsed from the User-Agent and reduced to
 * well-known families (no versions, no device models). Anything else reads as "an unrecognised
 * browser" or "an unrecognised system", so no text of the caller's choosing reaches the reader.
 */
export function describeDevice(userAgent: string | null): string {
  const { browser, os } = UAParser(userAgent ?? '');
  const browserName = BROWSERS.get(browser.name?.toLowerCase() ?? '') ?? UNRECOGNISED_BROWSER;
  const systemName = SYSTEMS.get(os.name?.toLowerCase() ?? '') ?? UNRECOGNISED_SYSTEM;
  return `${browserName} on ${systemName}`;
}

import { createHash, X509Certificate } from 'node:crypto';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM } from './prerequisites';

export { CHROMIUM };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Headless Chromium (Debian's, or CHROMIUM_PATH), never a downloaded browser; `extraArgs` after
 * the usual ones (e.g. trusting a test server's key).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}

/**
 * The switch that makes Chromium accept the TLS certificate carrying this key (its SPKI, SHA-256,
 * base64), whoever issued it: how the browser trusts a test server of a throwaway CA without a
 * certificate store. Chromium honours it only with its own --user-data-dir, which Playwright gives.
 */
export function trustKeyOf(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}

/**
 * A CDP virtual authenticator on `cdp`'s page: CTAP2, platform (internal), resident keys, user
 * verification, presence simulated. Its id, to remove it.
 */
export async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/**
 * Collects the page's CSP violations (the `securitypolicyviolation` event and the console's
 * report) and uncaught errors. Console errors of failed requests are not collected: a refused
 * sign-in is a 401 the browser logs, and the pages expect those.
 */
export async function watchCsp(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.push(text));
  // A string, not a function: this runs in the page, and the test project has no DOM types.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation('securitypolicyviolation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')');
    });`,
  });
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

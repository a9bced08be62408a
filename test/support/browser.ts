import type { Page } from 'playwright-core';

export { CHROMIUM } from './prerequisites';

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

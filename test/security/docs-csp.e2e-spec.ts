import { tmpdir } from 'node:os';
import { type Browser, type Page } from 'playwright-core';
import { DOCS_CSP } from '../../src/common/http/security-headers';
import { launchChromium } from '../support/browser';
import { describeWithChromium } from '../support/prerequisites';
import { startTestApp, type TestApp } from '../support/test-app';

interface Problem {
  kind: string;
  text: string;
}

/** Everything the page complains about: CSP violations (event and console), console errors, page errors. */
async function watch(page: Page): Promise<Problem[]> {
  const problems: Problem[] = [];
  await page.exposeFunction('__reportCspViolation', (text: string) =>
    problems.push({ kind: 'securitypolicyviolation', text }),
  );
  // A string, not a function: this runs in the page, and the test project has no DOM types.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ') ' + e.sample);
    });`,
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
      problems.push({ kind: `console.${msg.type()}`, text: msg.text() });
  });
  page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: error.message }));
  page.on('requestfailed', (req) =>
    problems.push({
      kind: 'requestfailed',
      text: `${req.url()} ${req.failure()?.errorText ?? ''}`,
    }),
  );
  return problems;
}

// `npm run test:full` and CI insist on the browser; a developer machine without Chromium skips only
// this spec, and says so (prerequisites.ts), like the Redis specs without REDIS_URL.
describeWithChromium('Swagger UI under its CSP, in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders /docs with no CSP violation or console error, and runs "Try it out"', async () => {
    const page = await browser.newPage();
    const problems = await watch(page);
    const response = await page.goto(`${t.url}/docs`, { waitUntil: 'load' });
    expect(response?.headers()['content-security-policy']).toBe(DOCS_CSP);
    await page.locator('.swagger-ui .information-container .title').waitFor({ timeout: 15_000 });
    await expect(page.locator('.swagger-ui .title').first().textContent()).resolves.toContain(
      'Secure NestJS Foundation API',
    );
    // The hidden SVG sprite keeps its zero size only when its inline style attribute is allowed.
    const sprite = await page.locator('body > svg').first().boundingBox();
    expect(sprite?.height ?? 0).toBe(0);
    // The page's own styles applied (inline <style>: body background #fafafa).
    await expect(page.evaluate('getComputedStyle(document.body).backgroundColor')).resolves.toBe(
      'rgb(250, 250, 250)',
    );

    // "Authorize": the bearer dialog opens, takes a token and closes.
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    const bearerForm = dialog.locator('form', { hasText: 'bearer (http, Bearer)' });
    await bearerForm.locator('input').first().fill('not-a-real-token');
    await bearerForm.locator('button.authorize').click();
    await dialog.locator('button.btn-done, button.close-modal').first().click();
    await dialog.waitFor({ state: 'detached' });

    // "Try it out" → "Execute" on GET /health/live: the live response renders.
    const operation = page.locator('.opblock', {
      has: page.locator('.opblock-summary-path', { hasText: /^\/health\/live$/ }),
    });
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table .response .response-col_status').first();
    await live.waitFor({ timeout: 10_000 });
    await expect(live.textContent()).resolves.toContain('200');
    await expect(
      operation
        .locator('.live-responses-table .response .response-col_description')
        .first()
        .textContent(),
    ).resolves.toContain('"ok"');

    await page.screenshot({ path: `${tmpdir()}/docs-csp.png`, fullPage: false });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

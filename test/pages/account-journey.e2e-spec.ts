import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import request from 'supertest';
import { ACCOUNT_PAGES, PAGE_ALIASES } from '../../src/account-pages/account-pages';
import { API_CSP, PAGES_CSP } from '../../src/common/http/security-headers';
import { awayFromStepEdge, codeAt } from '../mfa/mfa-helpers';
import { RELAXED_LIMITS } from '../support/auth-helpers';
import { addVirtualAuthenticator, launchChromium, watchCsp } from '../support/browser';
import { freePort } from '../support/free-port';
import { describeWithChromium } from '../support/prerequisites';
import { eventually } from '../support/mail-context';
import { privateTestDatabase, startPrivatePostgres } from '../support/private-services';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server';
import { startTestApp, type TestApp } from '../support/test-app';

const SCREENSHOTS = join(__dirname, '..', '..', 'artifacts', 'screenshots');
const PASSWORD = 'Violet-Harbor-Lamp-42';
const NEW_PASSWORD = 'Quiet-Meadow-Kettle-77';

/** Waits until `locator` matches `count` elements. */
async function hasCount(locator: Locator, count: number): Promise<void> {
  await eventually(
    async () => (await locator.count()) === count,
    10_000,
    `${count} of ${String(locator)}`,
  );
}

/** The link to `path` a mail carries (text part), as the browser should open it. */
function linkIn(mail: ReceivedMail, base: string, path: string): string {
  const match = /(https?:\/\/[^/\s]+)(\/[a-z-]+)#token=[A-Za-z0-9_-]+/.exec(mail.parsed.text ?? '');
  if (match?.[1] !== base || match[2] !== path)
    throw new Error(`no ${base}${path} link in: ${mail.parsed.text}`);
  return match[0];
}

describeWithChromium(
  'the account pages in headless Chromium (real SMTP, WebAuthn virtual authenticator)',
  () => {
    let smtp: TestSmtpServer;
    let t: TestApp;
    let browser: Browser;
    let base: string;
    let shot = 0;

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      smtp = await TestSmtpServer.start();
      const port = await freePort();
      base = `http://localhost:${port}`;
      t = await startTestApp({
        ...RELAXED_LIMITS,
        PORT: String(port),
        PUBLIC_APP_URL: base,
        WEBAUTHN_RP_ID: 'localhost',
        WEBAUTHN_ORIGINS: base,
        SMTP_URL: smtp.url(),
        SMTP_CA: smtp.caFile,
        MAIL_FROM: '"Example App" <no-reply@example.org>',
        NOTIFY_NEW_SIGNIN: 'false',
      });
      browser = await launchChromium();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await smtp?.stop();
    });

    async function screenshot(page: Page, name: string): Promise<void> {
      shot += 1;
      await page.screenshot({
        path: join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    }

    /** The text of the live region, once it says something matching `pattern`. */
    async function message(page: Page, pattern: RegExp): Promise<string> {
      const region = page.locator('#message');
      await region.filter({ hasText: pattern }).waitFor({ timeout: 15_000 });
      return (await region.textContent()) ?? '';
    }

    async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
      await page.goto(`${base}/sign-in`);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    async function onAccountPage(page: Page): Promise<void> {
      await page.waitForURL(`${base}/account`);
      await page.locator('#account').waitFor({ state: 'visible', timeout: 15_000 });
    }

    async function signOut(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(`${base}/sign-in`);
    }

    /** A page in a new browser; every request it makes that answers 404 is a problem too (a favicon…). */
    async function newPage(context?: BrowserContext): Promise<{ page: Page; problems: string[] }> {
      const page = await (context ?? (await browser.newContext())).newPage();
      const problems = await watchCsp(page);
      page.on('response', (response) => {
        if (response.status() === 404) problems.push(`404: ${response.url()}`);
      });
      return { page, problems };
    }

    it('register → mail link → verified → sign-in → TOTP → two-step sign-in → passkey → passwordless sign-in → a session revoked → recovery codes, passkey removed, signed out everywhere', async () => {
      const email = `journey-${Date.now()}@example.org`;
      const { page, problems } = await newPage();

      // Register: the page says to check the mail.
      await page.goto(`${base}/register`);
      await screenshot(page, 'register');
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Username').fill(`journey_${Date.now() % 100000}`);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Date of birth').fill('1990-12-10');
      await page.getByRole('button', { name: 'Create the account' }).click();
      await message(page, /Check your mail/);
      await screenshot(page, 'registered');

      // The mailed link lands on /verify-email, which verifies and drops the token from the address.
      const verifyLink = linkIn(await smtp.nextMessage(email), base, '/verify-email');
      await page.goto(verifyLink);
      await message(page, /Your address is verified/);
      expect(page.url()).toBe(`${base}/verify-email`);
      await screenshot(page, 'verified');

      // Password sign-in → /account.
      await signInWithPassword(page, email, PASSWORD);
      await onAccountPage(page);
      await expect(page.locator('#profile-verified').textContent()).resolves.toBe('verified');
      // The access token lives in the page's memory; the refresh token in an HttpOnly cookie only.
      await expect(
        page.evaluate('localStorage.length + sessionStorage.length + document.cookie.length'),
      ).resolves.toBe(0);
      const [cookie] = await page.context().cookies();
      expect(cookie).toMatchObject({ name: '__Host-refresh_token', httpOnly: true, secure: true });
      await screenshot(page, 'account');

      // TOTP set-up: the password as the proof, the QR as a data: image, the code from the key shown.
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.locator('#totp-enrol').waitFor({ state: 'visible' });
      await expect(page.locator('#totp-qr').getAttribute('src')).resolves.toMatch(
        /^data:image\/svg\+xml;base64,/,
      );
      // The image decoded: the SVG is well-formed and the CSP let the data: URL in.
      await eventually(
        () =>
          page.evaluate(
            `(() => { const img = document.getElementById('totp-qr'); return img.complete && img.naturalWidth > 0; })()`,
          ),
        5_000,
        'the QR code image',
      );
      const secret = (await page.locator('#totp-secret').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await screenshot(page, 'totp-setup');
      await awayFromStepEdge(15_000);
      await page.getByLabel('Code the app shows').fill(codeAt(secret, -1));
      await page.getByRole('button', { name: 'Turn two-step sign-in on' }).click();
      await message(page, /Two-step sign-in is on/);
      const recoveryCodes = await page.locator('#recovery-list li').allTextContents();
      expect(recoveryCodes).toHaveLength(10);
      await expect(page.locator('#profile-mfa').textContent()).resolves.toBe('on');
      await screenshot(page, 'totp-on');

      // Sign out, then the two-step sign-in with the next code.
      await signOut(page);
      await signInWithPassword(page, email, PASSWORD);
      await page.locator('#second-step').waitFor({ state: 'visible' });
      await screenshot(page, 'second-step');
      await page
        .getByLabel('Code from your authenticator app, or a recovery code')
        .fill(codeAt(secret, 0));
      await page.getByRole('button', { name: 'Continue' }).click();
      await onAccountPage(page);

      // A passkey, made by the virtual authenticator (CTAP2, platform, resident key, user verification).
      const cdp = await page.context().newCDPSession(page);
      const authenticatorId = await addVirtualAuthenticator(cdp);
      await page.getByLabel('Current password').fill(PASSWORD);
      await page
        .getByLabel('Code from your authenticator app, or a recovery code')
        .fill(codeAt(secret, 1));
      await page.getByLabel('Name of the new passkey').fill('Virtual key');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await message(page, /Passkey “Virtual key” added/);
      await expect(page.locator('#passkey-list li').allTextContents()).resolves.toEqual([
        expect.stringContaining('Virtual key'),
      ]);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0].isResidentCredential).toBe(true);
      await screenshot(page, 'passkey-added');

      // Sign out, then passwordless: the passkey alone.
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await onAccountPage(page);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(email);
      await screenshot(page, 'passwordless');

      // Sign out, then the password with the passkey as its second step.
      await signOut(page);
      await signInWithPassword(page, email, PASSWORD);
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await onAccountPage(page);
      await screenshot(page, 'passkey-second-step');

      // A second browser signs in (password and a recovery code); the first ends its session.
      const other = await newPage();
      await signInWithPassword(other.page, email, PASSWORD);
      await other.page.locator('#second-step').waitFor({ state: 'visible' });
      await other.page
        .getByLabel('Code from your authenticator app, or a recovery code')
        .fill(recoveryCodes[0]);
      await other.page.getByRole('button', { name: 'Continue' }).click();
      await onAccountPage(other.page);

      await page.reload();
      await onAccountPage(page);
      await hasCount(page.locator('#session-list li'), 2);
      await hasCount(page.locator('#session-list li', { hasText: '(this session)' }), 1);
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByRole('button', { name: /^End the session of / }).click();
      await message(page, /The session has ended/);
      await hasCount(page.locator('#session-list li'), 1);
      await screenshot(page, 'session-revoked');

      // The other browser's session is dead: its refresh fails, and /account sends it to sign in.
      const refreshStatus = await other.page.evaluate(
        `fetch('/api/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json', 'x-token-delivery': 'cookie' }, body: '{}' }).then((r) => r.status)`,
      );
      expect(refreshStatus).toBe(401);
      await other.page.goto(`${base}/account`);
      await other.page.waitForURL(`${base}/sign-in`);
      await screenshot(other.page, 'revoked-browser');

      // New recovery codes, the passkey as the second proof (a fresh assertion from step-up options).
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('Use a passkey as the second factor instead').check();
      await page.getByRole('button', { name: 'Make new recovery codes' }).click();
      await message(page, /New recovery codes/);
      const newCodes = await page.locator('#recovery-list li').allTextContents();
      expect(newCodes).toHaveLength(10);
      expect(newCodes).not.toContain(recoveryCodes[1]);
      await screenshot(page, 'recovery-codes');

      // The passkey removed, with a new recovery code as the second proof.
      await page.getByLabel('Use a passkey as the second factor instead').uncheck();
      await page
        .getByLabel('Code from your authenticator app, or a recovery code')
        .fill(newCodes[0]);
      await page.getByRole('button', { name: 'Remove the passkey Virtual key' }).click();
      await message(page, /The passkey is removed/);
      await hasCount(page.locator('#passkey-list li'), 0);

      // Sign out everywhere.
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.waitForURL(`${base}/sign-in`);

      expect(problems).toEqual([]);
      expect(other.problems).toEqual([]);
      await other.page.context().close();
      await page.context().close();
    }, 180_000);

    it('forgot password → the mailed reset link → the new password signs in', async () => {
      const email = `reset-${Date.now()}@example.org`;
      await request(t.url)
        .post('/api/auth/register')
        .send({
          email,
          username: `reset_${Date.now() % 100000}`,
          password: PASSWORD,
          birthDate: '1990-12-10',
        })
        .expect((res) => expect([201, 202]).toContain(res.status));
      await smtp.nextMessage(email); // the verification link, not used here

      const { page, problems } = await newPage();
      await page.goto(`${base}/forgot-password`);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByRole('button', { name: 'Mail me a link' }).click();
      await message(page, /link/);
      await screenshot(page, 'forgot-password');

      await page.goto(linkIn(await smtp.nextMessage(email), base, '/reset-password'));
      expect(page.url()).toBe(`${base}/reset-password`);
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await message(page, /Your password is changed/);
      await screenshot(page, 'password-reset');

      await signInWithPassword(page, email, PASSWORD);
      await message(page, /Invalid email or password/);
      await signInWithPassword(page, email, NEW_PASSWORD);
      await onAccountPage(page);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('an email change from /account → the link to the new address → it signs in', async () => {
      const email = `change-${Date.now()}@example.org`;
      const newEmail = `changed-${Date.now()}@example.org`;
      await request(t.url)
        .post('/api/auth/register')
        .send({
          email,
          username: `change_${Date.now() % 100000}`,
          password: PASSWORD,
          birthDate: '1990-12-10',
        })
        .expect((res) => expect([201, 202]).toContain(res.status));
      await smtp.nextMessage(email); // the verification link, not used here

      const { page, problems } = await newPage();
      await signInWithPassword(page, email, PASSWORD);
      await onAccountPage(page);
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New email').fill(newEmail);
      await page.getByRole('button', { name: 'Mail a confirmation link to it' }).click();
      await message(page, /link/);
      await screenshot(page, 'email-change');

      await page.goto(linkIn(await smtp.nextMessage(newEmail), base, '/confirm-email'));
      await message(page, /Your account now uses the new address/);
      expect(page.url()).toBe(`${base}/confirm-email`);
      await screenshot(page, 'email-confirmed');

      await signInWithPassword(page, newEmail, PASSWORD);
      await onAccountPage(page);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(newEmail);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('serves every page and asset under the pages CSP, HTML never stored, assets immutable; the API keeps its own', async () => {
      for (const name of [...ACCOUNT_PAGES, ...Object.keys(PAGE_ALIASES)]) {
        const response = await request(t.url).get(`/${name}`).expect(200);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.headers['content-security-policy']).toBe(PAGES_CSP);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers).not.toHaveProperty('ratelimit-limit');
        // No inline script or style: every script and stylesheet is a file under /assets/.
        expect(response.text).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)/);
        expect(response.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
        const assets = [...response.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)];
        expect(assets).toHaveLength(2);
        for (const [, asset] of assets) {
          const file = await request(t.url).get(asset).expect(200);
          expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
          expect(file.headers['content-security-policy']).toBe(PAGES_CSP);
        }
      }
      const api = await request(t.url).get('/api/users/me').expect(401);
      expect(api.headers['content-security-policy']).toBe(API_CSP);
      const unknown = await request(t.url).get('/assets/nothing.js').expect(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/json/);
    });

    it('with ACCOUNT_PAGES=false the pages are 404 like any unknown route', async () => {
      const off = await startTestApp({ ACCOUNT_PAGES: 'false' });
      try {
        for (const name of [...ACCOUNT_PAGES, ...Object.keys(PAGE_ALIASES)]) {
          const response = await request(off.url).get(`/${name}`).expect(404);
          expect(response.headers['content-security-policy']).toBe(API_CSP);
        }
      } finally {
        await off.close();
      }
    }, 60_000);

    it('with the database away, a page still loads and a sign-in shows the API’s 503 message', async () => {
      // A PostgreSQL of its own, stopped: the pages come from memory, the API answers 503.
      const pg = await startPrivatePostgres();
      const away = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '2000' }, privateTestDatabase(pg));
      const { page, problems } = await newPage();
      try {
        await pg.stop();
        const loaded = await page.goto(`${away.url}/sign-in`);
        expect(loaded?.status()).toBe(200);
        await page.getByLabel('Email', { exact: true }).fill('nobody@example.org');
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await expect(message(page, /unavailable/)).resolves.toBe(
          'The service is temporarily unavailable; retry shortly',
        );
        await screenshot(page, 'database-away');
        expect(problems).toEqual([]);
      } finally {
        await page.context().close();
        await away.close();
        await pg.close();
      }
    }, 90_000);
  },
);

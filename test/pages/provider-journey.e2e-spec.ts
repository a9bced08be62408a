import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { awayFromStepEdge, codeAt, enrolTotp } from '../mfa/mfa-helpers';
import { bearer, login, register, RELAXED_LIMITS, setCookieOf } from '../support/auth-helpers';
import { launchChromium, trustKeyOf, watchCsp } from '../support/browser';
import { freePort } from '../support/free-port';
import {
  startIdentityProvider,
  type IdentityProvider,
} from '../support/identity-provider/oidc-provider';
import { deliverCallback, FLOW_COOKIE } from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa, type TestCa } from '../support/identity-provider/test-ca';
import { eventually } from '../support/mail-context';
import { describeWithChromium } from '../support/prerequisites';
import { startTestApp, type TestApp } from '../support/test-app';

const SCREENSHOTS = join(__dirname, '..', '..', 'artifacts', 'screenshots');
const PROVIDER = { id: 'idp', name: 'Test IdP' };
const CLIENT = { client_id: 'pages-client', client_secret: 'pages-secret-0123456789' };

/** A provider account of its own for each test (the tests share the provider, in any order). */
function providerAccount(): { id: string; email: string; email_verified: true } {
  const tag = randomBytes(5).toString('hex');
  return { id: `sub-${tag}`, email: `person.${tag}@idp.test`, email_verified: true };
}

describeWithChromium(
  'sign-in with an identity provider in headless Chromium (a real oidc-provider over TLS)',
  () => {
    let provider: IdentityProvider;
    let t: TestApp;
    let browser: Browser;
    let base: string;
    let ca: TestCa;

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      ca = await createTestCa();
      // The callback is registered at the provider before the app exists: its port comes first.
      const port = await freePort();
      base = `http://localhost:${port}`;
      provider = await startIdentityProvider({
        ca,
        clients: [{ ...CLIENT, redirect_uris: [`${base}/api/auth/oidc/${PROVIDER.id}/callback`] }],
      });
      t = await startTestApp({
        ...RELAXED_LIMITS,
        PORT: String(port),
        PUBLIC_APP_URL: base,
        PUBLIC_API_URL: base,
        NODE_EXTRA_CA_CERTS: ca.caFile,
        OIDC_PROVIDERS: JSON.stringify([
          {
            ...PROVIDER,
            issuer: provider.issuer,
            clientId: CLIENT.client_id,
            clientSecret: CLIENT.client_secret,
          },
        ]),
        NOTIFY_NEW_SIGNIN: 'false',
      });
      // The app trusts the test CA through NODE_EXTRA_CA_CERTS; Chromium, its server's key.
      browser = await launchChromium([trustKeyOf(ca.tls.serverCert)]);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await provider?.stop();
    });

    /** A page in a new browser; CSP violations, script errors and 404s of the app are problems. */
    async function newPage(): Promise<{ page: Page; problems: string[] }> {
      const page = await (await browser.newContext()).newPage();
      const problems = await watchCsp(page);
      page.on('response', (response) => {
        if (response.status() === 404 && response.url().startsWith(base))
          problems.push(`404: ${response.url()}`);
      });
      return { page, problems };
    }

    async function message(page: Page, pattern: RegExp): Promise<string> {
      const region = page.locator('#message');
      await region.filter({ hasText: pattern }).waitFor({ timeout: 15_000 });
      return (await region.textContent()) ?? '';
    }

    /** The provider's own login form (test/support/identity-provider/oidc-provider-server.mjs). */
    async function logInAtProvider(page: Page, accountId: string): Promise<void> {
      await page.waitForURL((url) => url.origin === new URL(provider.issuer).origin);
      await page.locator('input[name="account"]').fill(accountId);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    /** Waits until `selector` matches `count` elements. */
    async function hasCount(page: Page, selector: string, count: number): Promise<void> {
      const locator = page.locator(selector);
      await eventually(
        async () => (await locator.count()) === count,
        15_000,
        `${count} of ${selector}`,
      );
    }

    async function onAccountPage(page: Page, path = '/account'): Promise<void> {
      await page.waitForURL(`${base}${path}`);
      await page.locator('#account').waitFor({ state: 'visible', timeout: 15_000 });
    }

    it('the provider button on /sign-in → the provider’s login → /signed-in → the account page, signed in as the provider’s address', async () => {
      const person = providerAccount();
      await provider.setAccount(person);
      const { page, problems } = await newPage();

      await page.goto(`${base}/sign-in`);
      const button = page.getByRole('link', { name: `Sign in with ${PROVIDER.name}` });
      await expect(button.getAttribute('href')).resolves.toBe(
        `/api/auth/oidc/${PROVIDER.id}/authorize`,
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'provider-sign-in.png'), fullPage: true });
      await button.click();

      // Through /signed-in (its code exchanged, then dropped from the address) to /account.
      const landed: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) landed.push(frame.url());
      });
      await logInAtProvider(page, person.id);
      await onAccountPage(page);
      expect(landed.some((url) => url.startsWith(`${base}/signed-in#code=`))).toBe(true);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(person.email);
      await expect(page.locator('#profile-verified').textContent()).resolves.toBe('verified');
      // The identity is listed under its provider's name, and its address.
      const listed = (await page.locator('#identity-list li').textContent()) ?? '';
      expect(listed.startsWith(`${PROVIDER.name} · ${person.email} · linked `)).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, 'provider-signed-in.png'), fullPage: true });

      // The session lives in the refresh cookie, as after a password sign-in: a reload keeps it.
      await page.reload();
      await onAccountPage(page);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(person.email);

      // Its only way in (no password, no passkey): unlinking is refused, in a sentence.
      await page.getByRole('button', { name: /^Unlink / }).click();
      await expect(message(page, /last way to sign in/)).resolves.toMatch(/^This is the last way/);
      await hasCount(page, '#identity-list li', 1);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('a sign-in cancelled at the provider ends on /signed-in with a sentence and the way back, the fragment gone', async () => {
      const { page, problems } = await newPage();
      await page.goto(`${base}/sign-in`);
      await page.getByRole('link', { name: `Sign in with ${PROVIDER.name}` }).click();
      await page.waitForURL((url) => url.origin === new URL(provider.issuer).origin);
      await page.getByRole('button', { name: 'Cancel' }).click();

      await expect(message(page, /cancelled/)).resolves.toBe(
        'The sign-in was cancelled at the provider, so you are not signed in.',
      );
      expect(page.url()).toBe(`${base}/signed-in`);
      await page.getByRole('link', { name: 'Back to the sign-in page' }).click();
      await page.waitForURL(`${base}/sign-in`);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('a code that is not this browser’s is refused on /signed-in, and the page says so', async () => {
      const { page, problems } = await newPage();
      await page.goto(`${base}/signed-in#code=not-a-real-code`);
      await page.locator('#start-again').waitFor({ state: 'visible', timeout: 15_000 });
      expect(page.url()).toBe(`${base}/signed-in`);
      await expect(page.locator('#message').getAttribute('data-kind')).resolves.toBe('error');
      await page.goto(`${base}/account`);
      await page.waitForURL(`${base}/sign-in`);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('a password account links the provider from its account page, lands on /settings confirmed, signs in with it, then unlinks it (ending that session)', async () => {
      const user = await register(t);
      const person = providerAccount();
      await provider.setAccount(person);
      const { page, problems } = await newPage();

      await page.goto(`${base}/sign-in`);
      await page.getByLabel('Email', { exact: true }).fill(user.email);
      await page.getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await onAccountPage(page);
      await page.locator('#no-identities').waitFor({ state: 'visible' });

      // Linking is a credential change: without the password it is refused on the page.
      await page.getByRole('button', { name: `Link ${PROVIDER.name}` }).click();
      await message(page, /Confirm it’s you/);
      await page.getByLabel('Current password').fill(user.password);
      await page.getByRole('button', { name: `Link ${PROVIDER.name}` }).click();
      await logInAtProvider(page, person.id);

      await onAccountPage(page, '/settings');
      await expect(message(page, /linked/)).resolves.toBe(
        `${PROVIDER.name} is now linked: you can sign in with it.`,
      );
      await expect(page.locator('#identity-list li').textContent()).resolves.toContain(
        person.email,
      );
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(user.email);

      // Signed out, the provider's button now opens the password account (the provider remembers
      // its login: no form this time).
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(`${base}/sign-in`);
      await page.getByRole('link', { name: `Sign in with ${PROVIDER.name}` }).click();
      await onAccountPage(page);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(user.email);

      // Unlinked with the password: the session that identity opened (this one) ends with it.
      await page.getByLabel('Current password').fill(user.password);
      await page.getByRole('button', { name: /^Unlink / }).click();
      await page.waitForURL(`${base}/sign-in`);

      // The password still opens the account, which has no identity any more.
      await page.getByLabel('Email', { exact: true }).fill(user.email);
      await page.getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await onAccountPage(page);
      await page.locator('#no-identities').waitFor({ state: 'visible' });
      await hasCount(page, '#identity-list li', 0);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 90_000);

    it('with two-step sign-in on, /signed-in asks for the second factor the way /sign-in does, then opens the account', async () => {
      // A password account with an authenticator app, the provider linked over the API (setup).
      const user = await login(t, await register(t));
      const { recoveryCodes, secret } = await enrolTotp(t, user);
      const person = providerAccount();
      await provider.setAccount(person);
      await awayFromStepEdge();
      const link = await request(t.url)
        .post(`/api/auth/oidc/${PROVIDER.id}/link`)
        .set(...bearer(user.accessToken))
        .send({ password: user.password, code: codeAt(secret) })
        .expect(200);
      const callback = await signInAtProvider(
        link.body.authorizeUrl as string,
        { account: person.id },
        ca.caFile,
      );
      const linked = await deliverCallback(t, callback, setCookieOf(link, FLOW_COOKIE).value);
      expect(linked.location.href).toBe(`${base}/settings#linked=${PROVIDER.id}`);

      const { page, problems } = await newPage();
      await page.goto(`${base}/sign-in`);
      await page.getByRole('link', { name: `Sign in with ${PROVIDER.name}` }).click();
      await logInAtProvider(page, person.id);
      await expect(message(page, /one more step/)).resolves.toBe(
        'Signed in with the provider: one more step.',
      );
      expect(page.url()).toBe(`${base}/signed-in`);
      await page
        .getByLabel('Code from your authenticator app, or a recovery code')
        .fill(recoveryCodes[0]);
      await page.getByRole('button', { name: 'Continue' }).click();
      await onAccountPage(page);
      await expect(page.locator('#profile-email').textContent()).resolves.toBe(user.email);
      await expect(page.locator('#profile-mfa').textContent()).resolves.toBe('on');
      expect(problems).toEqual([]);
      await page.context().close();
    }, 90_000);
  },
);

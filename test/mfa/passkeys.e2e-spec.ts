import { createServer, type Server } from 'node:http';
import { type Browser, type CDPSession, type Page } from 'playwright-core';
import request from 'supertest';
import {
  RELAXED_LIMITS,
  bearer,
  getMe,
  registerAndLogin,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { WebAuthnConfig } from '../../src/config/config-sections';
import { expectErrorBody } from '../support/error-body';
import { freePort } from '../support/free-port';
import { addVirtualAuthenticator, launchChromium } from '../support/browser';
import { describeWithChromium } from '../support/prerequisites';
import { startTestApp, type TestApp } from '../support/test-app';
import { amrOf, markVerified, passwordStep } from './mfa-helpers';
import { registrationOptions } from './passkey-helpers';

/**
 * The relying party's page: an empty document on http://localhost:<port>, named by
 * WEBAUTHN_ORIGINS (WEBAUTHN_RP_ID keeps its development default, the PUBLIC_APP_URL host: localhost). The browser runs the ceremonies; the test carries their JSON to the API and back.
 */
function servePage(port: number): Promise<Server> {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>passkeys</title><p>relying party test page</p>');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** navigator.credentials.create() with the server's options; the credential as JSON. */
const createIn = (page: Page, options: unknown): Promise<Record<string, unknown>> =>
  page.evaluate(`(async () => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(${JSON.stringify(options)});
    const credential = await navigator.credentials.create({ publicKey });
    return credential.toJSON();
  })()`);

/** navigator.credentials.get() with the server's options; the assertion as JSON. */
const getIn = (page: Page, options: unknown): Promise<Record<string, unknown>> =>
  page.evaluate(`(async () => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(${JSON.stringify(options)});
    const credential = await navigator.credentials.get({ publicKey });
    return credential.toJSON();
  })()`);

describeWithChromium('passkeys in headless Chromium with a CDP virtual authenticator', () => {
  let t: TestApp;
  let pageServer: Server;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    pageServer = await servePage(port);
    t = await startTestApp({ ...RELAXED_LIMITS, PUBLIC_APP_URL: origin, WEBAUTHN_ORIGINS: origin });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${origin}/`);
    cdp = await page.context().newCDPSession(page);
  }, 60_000);
  // A fresh authenticator per test: a passwordless get() picks among every resident key the
  // authenticator holds, and another test's key (removed, or refused by the server) is none of ours.
  let authenticatorId = '';
  beforeEach(async () => {
    authenticatorId = await addVirtualAuthenticator(cdp);
  });
  afterEach(async () => {
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
  });

  const counterOf = async (userId: string): Promise<number> =>
    Number(
      (
        await sql<{ counter: string }>(t, 'SELECT counter FROM passkeys WHERE user_id = $1', [
          userId,
        ])
      )[0].counter,
    );

  it('registers a passkey, signs in with it as the second factor, then passwordless with the resident key', async () => {
    expect(t.app.get(WebAuthnConfig).rpId).toBe('localhost');
    expect(t.app.get(WebAuthnConfig).origins).toEqual([origin]);
    const user: LoggedIn = await registerAndLogin(t);

    // Registration.
    const options = { body: await registrationOptions(t, user) };
    expect(options.body.rp).toEqual({ id: 'localhost', name: expect.any(String) });
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    const created = await createIn(page, options.body);
    const registered = await request(t.url)
      .post('/api/auth/passkeys/registration/verify')
      .set(...bearer(user.accessToken))
      .send({ response: created, name: 'Virtual authenticator' })
      .expect(201);
    expect(registered.body).toMatchObject({
      name: 'Virtual authenticator',
      backupEligible: false,
      backedUp: false,
    });
    // Its challenge worked once.
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/passkeys/registration/verify')
        .set(...bearer(user.accessToken))
        .send({ response: created }),
      400,
    );
    const listed = await request(t.url)
      .get('/api/auth/passkeys')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(listed.body).toHaveLength(1);
    const [stored] = await sql<{ credential_id: string; public_key: Buffer; transports: string[] }>(
      t,
      'SELECT credential_id, public_key, transports FROM passkeys WHERE user_id = $1',
      [user.id],
    );
    expect(stored.credential_id).toBe(created.id);
    expect(stored.public_key.length).toBeGreaterThan(30); // a COSE key (Ed25519: 42 bytes)
    expect((await getMe(t, user.accessToken).expect(200)).body.mfaEnabled).toBe(true);

    // Second factor.
    const mfaToken = await passwordStep(t, user);
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(login.body.methods).toEqual(['passkey']);
    const assertOptions = await request(t.url)
      .post('/api/auth/passkeys/authentication/options')
      .send({ mfaToken })
      .expect(200);
    expect(assertOptions.body.allowCredentials).toEqual([
      expect.objectContaining({ id: created.id }),
    ]);
    const counterBefore = await counterOf(user.id);
    const assertion = await getIn(page, assertOptions.body);
    const second = await request(t.url)
      .post('/api/auth/passkeys/authentication/verify')
      .send({ mfaToken, response: assertion })
      .expect(200);
    expect(amrOf(second.body.accessToken)).toEqual(['pwd', 'hwk']);
    expect(String(second.headers['set-cookie'])).toMatch(/__Host-refresh_token=/);
    await getMe(t, second.body.accessToken).expect(200);
    expect(await counterOf(user.id)).toBeGreaterThan(counterBefore);
    // The same assertion again (its challenge spent, the token spent) is refused.
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/passkeys/authentication/verify')
        .send({ mfaToken, response: assertion }),
      401,
    );
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/passkeys/authentication/verify')
        .send({ mfaToken: login.body.mfaToken, response: assertion }),
      401,
    );

    // Passwordless with the resident key: no mfaToken, no allowCredentials.
    const discoverable = await request(t.url)
      .post('/api/auth/passkeys/authentication/options')
      .send({})
      .expect(200);
    expect(discoverable.body.allowCredentials ?? []).toEqual([]);
    expect(discoverable.body.userVerification).toBe('required');
    const resident = await getIn(page, discoverable.body);
    const passwordless = await request(t.url)
      .post('/api/auth/passkeys/authentication/verify')
      .send({ response: resident })
      .expect(200);
    expect(amrOf(passwordless.body.accessToken)).toEqual(['hwk', 'user']);
    const me = await getMe(t, passwordless.body.accessToken).expect(200);
    expect(me.body.id).toBe(user.id);
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/passkeys/authentication/verify')
        .send({ response: resident }),
      401,
    );

    const events = await sql<{ type: string }>(
      t,
      `SELECT type FROM audit_events WHERE user_id = $1 AND type LIKE 'auth.passkey.%'`,
      [user.id],
    );
    expect(events.map((e) => e.type)).toEqual(['auth.passkey.added']);
  });

  it('asks for the password before adding a passkey: a stolen access token cannot plant one', async () => {
    const user = await registerAndLogin(t);
    await markVerified(t, user.id);
    const start = () =>
      request(t.url)
        .post('/api/auth/passkeys/registration/options')
        .set(...bearer(user.accessToken));
    const missing = await start().send({});
    expectErrorBody(missing, 401); // missing: asked for, not counted
    expect(missing.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication"',
    );
    expectErrorBody(await start().send({ password: `${user.password}x` }), 401);
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'auth.reauth.failure'`,
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('removes a passkey with the password and the passkey itself (another user cannot): the factor is off again, audited', async () => {
    const user = await registerAndLogin(t);
    const created = await createIn(page, await registrationOptions(t, user));
    const { body } = await request(t.url)
      .post('/api/auth/passkeys/registration/verify')
      .set(...bearer(user.accessToken))
      .send({ response: created })
      .expect(201);
    const stranger = await registerAndLogin(t);
    expectErrorBody(
      await request(t.url)
        .delete(`/api/auth/passkeys/${body.id}`)
        .set(...bearer(stranger.accessToken))
        .send({ password: stranger.password }),
      404,
    );
    // The access token and the password remove nothing: with a factor on, a second one is asked.
    const passwordOnly = await request(t.url)
      .delete(`/api/auth/passkeys/${body.id}`)
      .set(...bearer(user.accessToken))
      .send({ password: user.password });
    expectErrorBody(passwordOnly, 401);
    expect(passwordOnly.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication"',
    );
    const stepUp = await request(t.url)
      .post('/api/auth/step-up/passkey/options')
      .set(...bearer(user.accessToken))
      .expect(200);
    const passkey = await getIn(page, stepUp.body);
    await request(t.url)
      .delete(`/api/auth/passkeys/${body.id}`)
      .set(...bearer(user.accessToken))
      .send({ password: user.password, passkey })
      .expect(204);
    expect((await getMe(t, user.accessToken).expect(200)).body.mfaEnabled).toBe(false);
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(login.body.accessToken).toEqual(expect.any(String));
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'auth.passkey.removed'`,
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('refuses an assertion from an origin the relying party does not list', async () => {
    const other = await startTestApp({
      ...RELAXED_LIMITS,
      PUBLIC_APP_URL: origin,
      WEBAUTHN_ORIGINS: 'https://elsewhere.example.org',
    });
    try {
      const user = await registerAndLogin(other);
      const created = await createIn(page, await registrationOptions(other, user));
      expectErrorBody(
        await request(other.url)
          .post('/api/auth/passkeys/registration/verify')
          .set(...bearer(user.accessToken))
          .send({ response: created }),
        400,
      );
    } finally {
      await other.close();
    }
  });
});

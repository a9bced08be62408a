import { randomInt } from 'node:crypto';
import request from 'supertest';
import { getMe, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import {
  startGithubStandin,
  type GithubStandin,
  type GithubUser,
} from '../support/identity-provider/github-standin';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';
import { createTestCa } from '../support/identity-provider/test-ca';
import { appAddress, appWithProviders, errorLocation, userIdByEmail } from './provider-suite';

const APP = { clientId: 'Iv1.testapp', clientSecret: 'github-secret-github-secret-0123' };

/** GitHub (the Enterprise Server layout: web at the root, REST under /api/v3) through its stand-in. */
describe('provider sign-in: GitHub', () => {
  let t: TestApp;
  let github: GithubStandin;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    github = await startGithubStandin({ app: APP, users: [], ca });
    t = await appWithProviders(address, ca, [
      { id: 'github', type: 'github', ...APP, webUrl: github.webUrl, apiUrl: github.apiUrl },
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await github?.stop();
  });

  /** A new GitHub user; `primaryVerified` decides whether its primary address counts. */
  function githubUser(primaryVerified: boolean): GithubUser & { primary: string } {
    const id = randomInt(1_000_000, 2_000_000_000);
    const primary = `gh${id}@users.example.test`;
    const user = {
      id,
      login: `octo-${id}`,
      name: 'Octo Cat',
      // A verified secondary address first: only the primary entry may count.
      emails: [
        { email: `second-${id}@users.example.test`, primary: false, verified: true },
        { email: primary, primary: true, verified: primaryVerified },
      ],
    };
    github.setUser(user);
    return { ...user, primary };
  }

  it('is listed under its default name', async () => {
    const res = await request(t.url).get('/api/auth/oidc/providers').expect(200);
    expect(res.body).toEqual([{ id: 'github', name: 'GitHub' }]);
  });

  it('signs up with the verified primary address, the identity keyed by webUrl and the numeric id', async () => {
    const user = githubUser(true);
    const answer = await signInWithProvider(t, 'github', { account: user.login }, github.caFile);
    expect(answer.fragment.get('error')).toBeNull();
    const tokens = await exchangeCode(
      t,
      answer.fragment.get('code') as string,
      answer.resultCookie,
    ).expect(200);
    const me = await getMe(t, tokens.body.accessToken).expect(200);
    expect(me.body.email).toBe(user.primary);
    expect(me.body.emailVerified).toBe(true);
    const rows = await sql(
      t,
      'SELECT user_id, provider, issuer, subject FROM user_identities WHERE user_id = $1',
      [me.body.id],
    );
    expect(rows).toEqual([
      { user_id: me.body.id, provider: 'github', issuer: github.webUrl, subject: String(user.id) },
    ]);
  });

  it('follows the numeric id, not the login: a renamed user reaches the same account', async () => {
    const user = githubUser(true);
    const first = await signInWithProvider(t, 'github', { account: user.login }, github.caFile);
    expect(first.fragment.get('code')).toBeTruthy();
    const userId = await userIdByEmail(t, user.primary);
    github.setUser({ ...user, login: `${user.login}-renamed` });
    const again = await signInWithProvider(
      t,
      'github',
      { account: `${user.login}-renamed` },
      github.caFile,
    );
    const tokens = await exchangeCode(
      t,
      again.fragment.get('code') as string,
      again.resultCookie,
    ).expect(200);
    expect((await getMe(t, tokens.body.accessToken).expect(200)).body.id).toBe(userId);
  });

  it('answers email_not_verified when the primary address is unverified, whatever else is verified', async () => {
    const user = githubUser(false);
    const answer = await signInWithProvider(t, 'github', { account: user.login }, github.caFile);
    expect(answer.location.href).toBe(errorLocation('email_not_verified'));
    expect(answer.resultCookie).toBeUndefined();
    expect(await userIdByEmail(t, user.primary)).toBeUndefined();
    expect(await userIdByEmail(t, user.emails[0].email)).toBeUndefined();
    const rows = await sql(t, 'SELECT 1 FROM user_identities WHERE subject = $1', [
      String(user.id),
    ]);
    expect(rows).toEqual([]);
  });

  it('lands on access_denied when the user does not authorize the app', async () => {
    const answer = await signInWithProvider(t, 'github', { deny: true }, github.caFile);
    expect(answer.location.href).toBe(errorLocation('access_denied'));
  });
});

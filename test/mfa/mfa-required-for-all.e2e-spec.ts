import request from 'supertest';
import { ENROL_SECOND_FACTOR } from '../../src/auth/roles.guard';
import { bearer, getMe, registerAndLogin, RELAXED_LIMITS } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';
import { amrOf, awayFromStepEdge, codeAt, enrolTotp, passwordStep, verify } from './mfa-helpers';

/**
 * MFA_REQUIRED_FOR_ALL: a session signed in with the password alone reaches what it takes to enrol
 * a second factor, and nothing else; signed in again with the factor, everything.
 */
describe('MFA_REQUIRED_FOR_ALL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, MFA_REQUIRED_FOR_ALL: 'true' });
  });
  afterAll(() => t.close());
  beforeEach(() => awayFromStepEdge());

  const sensitive = (token: string) =>
    request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(token));

  it('a one-factor session gets 403 everywhere but enrolment, its account and sign-out', async () => {
    const user = await registerAndLogin(t);
    expect(amrOf(user.accessToken)).toEqual(['pwd']);
    await getMe(t, user.accessToken).expect(200);
    await request(t.url)
      .get('/api/auth/sessions')
      .set(...bearer(user.accessToken))
      .expect(200);
    const refused = [
      await sensitive(user.accessToken),
      await request(t.url)
        .patch('/api/users/me')
        .set(...bearer(user.accessToken))
        .send({ username: 'renamed_before_mfa' }),
      await request(t.url)
        .get('/api/auth/passkeys')
        .set(...bearer(user.accessToken)),
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(user.accessToken))
        .send({ password: user.password }),
    ];
    for (const res of refused) {
      expectErrorBody(res, 403);
      expect(res.body.message).toBe(ENROL_SECOND_FACTOR);
    }
    await request(t.url)
      .post('/api/auth/logout')
      .set(...bearer(user.accessToken))
      .expect(204);
  });

  it('enrols TOTP from the one-factor session; signed in with it, every route opens', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user); // address verification, setup and confirm
    expectErrorBody(await sensitive(user.accessToken), 403);
    const signedIn = await verify(t, {
      mfaToken: await passwordStep(t, user),
      code: codeAt(secret),
    }).expect(200);
    expect(amrOf(signedIn.body.accessToken as string)).toEqual(['pwd', 'otp']);
    await sensitive(signedIn.body.accessToken as string).expect(200);
  });

  it('public routes are untouched: sign-in and refresh answer as ever', async () => {
    const user = await registerAndLogin(t);
    const refreshed = await request(t.url)
      .post('/api/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    expect(amrOf(refreshed.body.accessToken as string)).toEqual(['pwd']);
  });
});

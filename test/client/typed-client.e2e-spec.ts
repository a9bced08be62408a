import { createApiClient, type ApiClient, type Schemas } from '../../client/src';
import { RELAXED_LIMITS, UUID_RE, newUser } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const COOKIE = '__Host-refresh_token';
const ORIGIN = 'https://app.example.org';

/** The refresh cookie a response set, as a `Cookie` request header; Node's fetch keeps no cookie jar. */
function refreshCookieOf(response: Response): string {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  if (!line) throw new Error(`no ${COOKIE} cookie in ${response.status} ${response.url}`);
  return line.split(';')[0];
}

/** A TokenPair, not an MFA challenge: narrows the login answer's `oneOf` the way a client would. */
function isTokenPair(
  body: Schemas['TokenPair'] | Schemas['MfaChallengeResponse'],
): body is Schemas['TokenPair'] {
  return 'accessToken' in body;
}

/**
 * The generated client (client/, from openapi.json) against the real app on a loopback port, over
 * real HTTP (Node's fetch): a browser's flow with the refresh token in the cookie alone. What the
 * types promise is asserted at run time too, and `npm run typecheck` compiles this file, so the
 * `@ts-expect-error` lines fail the build the day a wrong body would compile.
 */
describe('the typed client (client/) against the running app', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, CORS_ORIGINS: ORIGIN, PUBLIC_APP_URL: ORIGIN });
    // What a browser on the app's origin sends with every request.
    api = createApiClient({ baseUrl: t.url, headers: { Origin: ORIGIN } });
  });
  afterAll(() => t.close());

  it('registers, signs in with X-Token-Delivery: cookie, reads /users/me, refreshes with the cookie alone, signs out', async () => {
    const account = newUser();

    const registered = await api.POST('/api/auth/register', { body: account });
    expect(registered.response.status).toBe(201);
    const created: Schemas['UserResponse'] | Schemas['AcceptedResponse'] | undefined =
      registered.data;
    expect(created).toMatchObject({ email: account.email, username: account.username });

    const signedIn = await api.POST('/api/auth/login', {
      body: { email: account.email, password: account.password },
      params: { header: { 'X-Token-Delivery': 'cookie' } },
    });
    expect(signedIn.response.status).toBe(200);
    expect(signedIn.error).toBeUndefined();
    if (!signedIn.data || !isTokenPair(signedIn.data)) throw new Error('expected a token pair');
    const pair: Schemas['TokenPair'] = signedIn.data;
    expect(pair.tokenType).toBe('Bearer');
    expect(pair.refreshToken).toBeUndefined(); // the cookie alone carries it
    const cookie = refreshCookieOf(signedIn.response);

    const me = await api.GET('/api/users/me', {
      headers: { Authorization: `Bearer ${pair.accessToken}` },
    });
    expect(me.response.status).toBe(200);
    const user: Schemas['UserResponse'] | undefined = me.data;
    expect(user?.email).toBe(account.email);
    expect(user?.id).toMatch(UUID_RE);
    expect(user?.mfaEnabled).toBe(false);

    // A passkey proof that is no assertion: typed out, and refused as a wrong proof (the credential
    // is @simplewebauthn's to verify, not the ValidationPipe's).
    const stepUp = await api.POST('/api/auth/step-up', {
      headers: { Authorization: `Bearer ${pair.accessToken}` },
      // @ts-expect-error a passkey proof is a PasskeyAssertionCredential
      body: { passkey: { id: 'x' } },
    });
    expect(stepUp.response.status).toBe(401);

    // No body at all: the request body of /refresh is optional in the contract (and the types).
    const refreshed = await api.POST('/api/auth/refresh', {
      params: { header: { 'X-Token-Delivery': 'cookie' } },
      headers: { Cookie: cookie },
    });
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.data?.accessToken).toEqual(expect.any(String));
    expect(refreshed.data?.accessToken).not.toBe(pair.accessToken);
    expect(refreshed.data?.refreshToken).toBeUndefined();
    const rotated = refreshCookieOf(refreshed.response);
    expect(rotated).not.toBe(cookie);

    // The spent cookie is reuse: 401 with the uniform error body, typed as ErrorResponse.
    const reused = await api.POST('/api/auth/refresh', { headers: { Cookie: cookie } });
    expect(reused.response.status).toBe(401);
    const refused: Schemas['ErrorResponse'] | undefined = reused.error;
    expect(refused).toMatchObject({ statusCode: 401, requestId: expect.any(String) });

    // Reuse revoked the session: sign in again, then sign out with the cookie alone.
    const again = await api.POST('/api/auth/login', {
      body: { email: account.email, password: account.password },
      params: { header: { 'X-Token-Delivery': 'cookie' } },
    });
    expect(again.response.status).toBe(200);
    const current = refreshCookieOf(again.response);
    const signedOut = await api.POST('/api/auth/logout', { headers: { Cookie: current } });
    expect(signedOut.response.status).toBe(204);
    expect(signedOut.response.headers.get('clear-site-data')).toBe('"cache", "storage"');
    expect(refreshCookieOf(signedOut.response)).toBe(`${COOKIE}=`);

    const afterSignOut = await api.POST('/api/auth/refresh', { headers: { Cookie: current } });
    expect(afterSignOut.response.status).toBe(401);
  });

  it('types the bodies: a wrong one does not compile, and the server refuses it the same way', async () => {
    // @ts-expect-error password is required by LoginDto
    const noPassword = await api.POST('/api/auth/login', { body: { email: 'a@example.org' } });
    expect(noPassword.response.status).toBe(400);

    const wrongType = await api.POST('/api/auth/refresh', {
      // @ts-expect-error refreshToken is a string
      body: { refreshToken: 42 },
    });
    expect(wrongType.response.status).toBe(400);

    const unknownMember = await api.POST('/api/auth/passkeys/authentication/verify', {
      // @ts-expect-error a passkey assertion has no `password` member
      body: { response: { password: 'x' } },
    });
    // The credential's shape is @simplewebauthn's to verify: a 401 like any failed assertion.
    expect(unknownMember.response.status).toBe(401);
  });

  it('types the passkey ceremonies: the options are PublicKeyCredentialRequestOptionsJSON', async () => {
    // No body: passwordless options (the body is optional there too).
    const { data, response } = await api.POST('/api/auth/passkeys/authentication/options');
    expect(response.status).toBe(200);
    const options: Schemas['PasskeyRequestOptions'] | undefined = data;
    expect(options?.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options?.userVerification).toBe('required');
    expect(options?.allowCredentials).toBeUndefined();
  });
});

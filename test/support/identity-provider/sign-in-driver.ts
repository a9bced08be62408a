import { trustingFetch } from './trusting-fetch';

export type ProviderLogin = { account: string } | { deny: true };

const MAX_STEPS = 20;

/**
 * Plays the browser at the provider (oidc-provider or the GitHub stand-in): follows its redirects
 * with its own cookie jar, logs in as `account` (or cancels), lets consent pass, and returns the
 * redirect that leaves the provider for the relying party's redirect_uri, without fetching it.
 */
export async function signInAtProvider(
  authorizeUrl: string,
  login: ProviderLogin,
  caFile: string,
): Promise<URL> {
  const providerOrigin = new URL(authorizeUrl).origin;
  const fetch = trustingFetch(caFile);
  const jar = new CookieJar();
  let url = new URL(authorizeUrl);
  if ('account' in login) url.searchParams.set('login', login.account);
  if ('deny' in login) url.searchParams.set('deny', '1');
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie: jar.header(url), accept: 'text/html' },
    });
    jar.store(url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return next;
      [url, method, body] = [next, 'GET', undefined];
      continue;
    }
    const page = await response.text();
    const form = /<form[^>]*action="([^"]+)"/.exec(page);
    if (response.status !== 200 || !form) {
      throw new Error(
        `the provider answered ${response.status} at ${url.pathname}: ${page.slice(0, 500)}`,
      );
    }
    [url, method] = [new URL(form[1], url), 'POST'];
    body = new URLSearchParams('deny' in login ? { deny: '1' } : { account: login.account });
  }
  throw new Error(`no redirect to the relying party after ${MAX_STEPS} steps`);
}

/** Just enough of RFC 6265 for one provider: name, path scope, deletion by expiry. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  store(from: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute('path') ?? (from.pathname.replace(/\/[^/]*$/, '') || '/');
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      const expired =
        value === '' ||
        maxAge === '0' ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      const key = `${name}|${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { value, path });
    }
  }

  header(to: URL): string {
    return [...this.cookies]
      .filter(([, cookie]) => to.pathname.startsWith(cookie.path))
      .map(([key, cookie]) => `${key.slice(0, key.indexOf('|'))}=${cookie.value}`)
      .join('; ');
  }
}

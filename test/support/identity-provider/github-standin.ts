import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestCa, type TestCa } from './test-ca';

export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: GithubEmail[];
}

export interface GithubStandinOptions {
  app: { clientId: string; clientSecret: string };
  users: GithubUser[];
  ca?: TestCa;
}

interface IssuedCode {
  userId: number;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;

/**
 * GitHub's OAuth web flow and the two REST endpoints a sign-in needs, as documented, on one HTTPS
 * server in the GitHub Enterprise Server layout (web at the root, API under /api/v3).
 */
export class GithubStandin {
  /** The user the next authorization approves as, unless the driver names one with `login`. */
  nextUser: number | undefined;
  readonly users: Map<number, GithubUser>;
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tokens = new Map<string, { userId: number; scope: string }>();
  private server?: Server;

  private constructor(
    private readonly options: GithubStandinOptions,
    readonly ca: TestCa,
  ) {
    this.users = new Map(options.users.map((user) => [user.id, user]));
  }

  static async start(options: GithubStandinOptions): Promise<GithubStandin> {
    const standin = new GithubStandin(options, options.ca ?? (await createTestCa()));
    const server = createServer(
      { cert: standin.ca.tls.serverCert, key: standin.ca.tls.serverKey },
      (req, res) => {
        standin.handle(req, res).catch((error: Error) => {
          res.statusCode = 500;
          res.end(error.message);
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standin.server = server;
    return standin;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }
  get webUrl(): string {
    return `https://127.0.0.1:${this.port}`;
  }
  get apiUrl(): string {
    return `${this.webUrl}/api/v3`;
  }
  get caFile(): string {
    return this.ca.caFile;
  }

  setUser(user: GithubUser): void {
    this.users.set(user.id, user);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.webUrl);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize')
      return this.authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token')
      return this.accessToken(req, res);
    if (req.method === 'GET' && url.pathname === '/api/v3/user') return this.user(req, res, false);
    if (req.method === 'GET' && url.pathname === '/api/v3/user/emails')
      return this.user(req, res, true);
    json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  private authorize(url: URL, res: ServerResponse): void {
    const query = url.searchParams;
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== this.options.app.clientId || !redirectUri) {
      res.statusCode = 404;
      res.end('unknown application');
      return;
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const login = query.get('login');
    const user = login
      ? [...this.users.values()].find((candidate) => candidate.login === login)
      : this.users.get(this.nextUser ?? Number.NaN);
    if (query.get('deny')) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else if (!user) {
      res.statusCode = 400;
      res.end('no user chosen for this authorization');
      return;
    } else if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
      // GitHub itself treats PKCE as optional; the stand-in insists so a relying party that forgets it fails.
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'PKCE with S256 is required.');
    } else {
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, {
        userId: user.id,
        redirectUri,
        codeChallenge: query.get('code_challenge')!,
        scope: query.get('scope') ?? '',
        expiresAt: Date.now() + CODE_TTL_MS,
      });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  }

  private async accessToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const params: Record<string, string> = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(raw));
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const [clientId, clientSecret] = basic
      ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent)
      : [params.client_id, params.client_secret];
    const wantsJson = (req.headers.accept ?? '').includes('application/json');
    // GitHub answers its OAuth errors with 200 and an `error` field.
    const answer = (body: Record<string, string>): void => {
      if (wantsJson) json(res, 200, body);
      else
        res
          .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' })
          .end(new URLSearchParams(body).toString());
    };
    const fail = (error: string, description: string): void =>
      answer({
        error,
        error_description: description,
        error_uri: `https://docs.github.com/apps/${error}`,
      });

    if (clientId !== this.options.app.clientId || clientSecret !== this.options.app.clientSecret)
      return fail(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
      );
    const issued = this.codes.get(params.code ?? '');
    this.codes.delete(params.code ?? '');
    if (!issued || issued.expiresAt < Date.now())
      return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    if (params.redirect_uri !== undefined && params.redirect_uri !== issued.redirectUri)
      return fail(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
      );
    const challenge = createHash('sha256')
      .update(params.code_verifier ?? '')
      .digest('base64url');
    if (challenge !== issued.codeChallenge)
      return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    const accessToken = `gho_${randomBytes(18).toString('base64url')}`;
    this.tokens.set(accessToken, { userId: issued.userId, scope: issued.scope });
    answer({
      access_token: accessToken,
      token_type: 'bearer',
      scope: issued.scope.replace(/ /g, ','),
    });
  }

  private user(req: IncomingMessage, res: ServerResponse, emails: boolean): void {
    const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = token ? this.tokens.get(token) : undefined;
    const user = grant ? this.users.get(grant.userId) : undefined;
    if (!user) {
      json(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
      return;
    }
    if (emails) {
      json(
        res,
        200,
        user.emails.map(({ email, primary, verified }) => ({
          email,
          primary,
          verified,
          visibility: primary ? 'public' : null,
        })),
      );
      return;
    }
    // `email` is the public profile address: null unless the user chose to publish one.
    const email = user.emails.find((entry) => entry.primary)?.email ?? null;
    json(res, 200, { id: user.id, login: user.login, name: user.name, email, type: 'User' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts a GitHub stand-in on a free loopback port. */
export function startGithubStandin(options: GithubStandinOptions): Promise<GithubStandin> {
  return GithubStandin.start(options);
}

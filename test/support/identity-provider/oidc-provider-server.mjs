// A real OpenID provider (panva's oidc-provider) for the end-to-end tests, run as its own Node
// process: the package is ESM-only with a deep dependency tree that jest's VM cannot load.
// Started by oidc-provider.ts with its options as JSON in IDP_OPTIONS; prints "ready <port>" once
// it listens; takes test commands (accounts, a forged next ID token) over the IPC channel.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import Provider from 'oidc-provider';

const options = JSON.parse(process.env.IDP_OPTIONS ?? '{}');
const pathPrefix = (options.pathPrefix ?? '').replace(/\/$/, '');
const slowMs = options.slowMs ?? 0;
const advertiseIssParameter = options.advertiseIssParameter ?? true;
const accounts = new Map((options.accounts ?? []).map((account) => [account.id, account]));
let nextIdToken;

let handle = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) =>
  handle(req, res),
);
await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `https://127.0.0.1:${port}${pathPrefix}`;

// A fresh signing key per run: the relying party must learn it from the JWKS, never assume it.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  use: 'sig',
  alg: 'RS256',
};

const provider = new Provider(issuer, {
  clients: options.clients ?? [],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // Always: the relying party must send a verifier (v9 accepts S256 only).
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Scope claims in the ID token itself, as Google and most providers do: the relying party reads
  // email and email_verified from it without a userinfo call.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `${pathPrefix}/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    if (!accounts.has(id)) return undefined;
    return {
      accountId: id,
      // Read at issue time, so setAccount changes what the next token says.
      async claims() {
        const { email, email_verified, name } = accounts.get(id) ?? {};
        return { sub: id, email, email_verified, name };
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

// A 500 from the provider is a harness bug: say why on stderr, which the controller passes on.
provider.on('server_error', (ctx, error) => {
  process.stderr.write(`oidc-provider server_error at ${ctx.path}: ${error.stack}\n`);
});

provider.use(async (ctx, next) => {
  await next();
  const route = ctx.oidc?.route;
  if (route === 'token' && nextIdToken !== undefined && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: nextIdToken };
    nextIdToken = undefined;
  }
  if (!advertiseIssParameter && route === 'discovery') {
    const { authorization_response_iss_parameter_supported: _dropped, ...rest } = ctx.body;
    ctx.body = rest;
  }
  if (!advertiseIssParameter && (route === 'authorization' || route === 'resume')) {
    const location = ctx.response.get('location');
    // Only the redirect back to the client carries iss; the one to the interaction is relative.
    if (location && URL.canParse(location)) {
      const url = new URL(location);
      url.searchParams.delete('iss');
      ctx.redirect(url.href);
    }
  }
});

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Login by account id (no password: the tests drive this, not a person), consent granted as asked.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (details.prompt.name === 'login' && req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<!doctype html><form method="post" action="${pathPrefix}/interaction/${uid}/login">` +
        `<input name="account"><button>Sign in</button>` +
        `<button name="deny" value="1">Cancel</button></form>`,
    );
    return;
  }
  if (details.prompt.name === 'login' && req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    if (form.get('deny')) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'the user cancelled the sign-in',
      });
      return;
    }
    const accountId = form.get('account') ?? '';
    if (!accounts.has(accountId)) {
      res.statusCode = 400;
      res.end(`unknown account ${accountId}`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId } });
    return;
  }
  if (details.prompt.name === 'consent') {
    const { params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope));
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
    return;
  }
  res.statusCode = 400;
  res.end(`unexpected interaction ${details.prompt.name} ${req.method} ${action ?? ''}`);
}

const providerCallback = provider.callback();
handle = async (req, res) => {
  try {
    if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
    const url = new URL(req.url, issuer);
    if (!url.pathname.startsWith(pathPrefix)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const match = /^\/interaction\/([^/]+)(?:\/(login))?$/.exec(
      url.pathname.slice(pathPrefix.length),
    );
    if (match) {
      await interaction(req, res, match[1], match[2]);
      return;
    }
    // Mounted below the issuer's path the way Express would mount it: oidc-provider finds its
    // mount path by comparing originalUrl with url.
    req.originalUrl = req.url;
    req.url = req.url.slice(pathPrefix.length) || '/';
    providerCallback(req, res);
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error?.message ?? error));
  }
};

process.on('message', (message) => {
  if (message.type === 'setAccount') accounts.set(message.account.id, message.account);
  if (message.type === 'replaceNextIdToken') nextIdToken = message.idToken;
  process.send({ type: 'ack', seq: message.seq });
});
// The controller's end is the end: no orphan provider outlives a crashed jest worker.
process.on('disconnect', () => process.exit(0));

process.stdout.write(`ready ${port}\n`);

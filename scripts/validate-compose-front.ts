// The compose stack's front and TLS wiring, checked without Docker (run by validate-delivery.ts):
//   - a Caddy proxy is the only service publishing ports, and the published ports are its own;
//   - its Caddyfile reaches every app replica, with active health checks, on an https:// site
//     whose certificate it is given (no ACME), and does not duplicate the app's HSTS;
//   - every replica's PUBLIC_APP_URL, PUBLIC_API_URL, WEBAUTHN_ORIGINS are that site's origin,
//     WEBAUTHN_RP_ID its host, ACCOUNT_PAGES true;
//   - TRUST_PROXY names the proxy's fixed address (or subnet) on the one network it shares with
//     the replicas, and nothing wider;
//   - every service that mounts TLS material waits for the tls-init one-shot, and
//     docker/tls-init/make-tls.sh writes every file those services read.
// The Caddyfile and the script are read as far as this repository writes them (one directive a
// line, blocks opened at a line's end; `issue`/`publish_ca` lines), not as a full Caddy or shell
// parser would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './validate-delivery';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A scalar as text; anything else (absent, a mapping) as undefined. */
const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

export const TLS_INIT = 'tls-init';
const CADDYFILE_TARGET = '/etc/caddy/Caddyfile';
// Images pinned like the rest of the stack: a major.minor tag at least, or a digest.
const PINNED_IMAGE = /^[^@]+:[^:@]*\d+\.\d+[^:@]*$|@sha256:[0-9a-f]{64}$/;

// ---------------------------------------------------------------- Caddyfile (the subset used)
interface CaddyNode {
  tokens: string[];
  children: CaddyNode[];
}

export function parseCaddyfile(text: string): CaddyNode[] {
  const root: CaddyNode = { tokens: [], children: [] };
  const stack = [root];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    if (line === '}') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const opens = line.endsWith('{');
    const tokens = (opens ? line.slice(0, -1) : line).trim().split(/\s+/).filter(Boolean);
    const node: CaddyNode = { tokens, children: [] };
    stack[stack.length - 1].children.push(node);
    if (opens) stack.push(node);
  }
  return root.children;
}

const walk = (nodes: CaddyNode[]): CaddyNode[] => nodes.flatMap((n) => [n, ...walk(n.children)]);

/** reverse_proxy's upstreams: its arguments (after a matcher, if any) and its `to` lines. */
function upstreamsOf(node: CaddyNode): string[] {
  const args = node.tokens.slice(1);
  const first = args[0];
  const list = first && /^(\/|@|\*)/.test(first) ? args.slice(1) : args;
  for (const child of node.children)
    if (child.tokens[0] === 'to') list.push(...child.tokens.slice(1));
  return list.map((u) => u.replace(/^[a-z]+:\/\//, ''));
}

// ---------------------------------------------------------------- compose helpers
/** A service's `environment`, in either of compose's forms (a list of KEY=value, or a mapping). */
export function envOf(svc: Dict): Map<string, string | undefined> {
  const env = svc.environment;
  const entries: Array<[string, unknown]> = Array.isArray(env)
    ? (env as unknown[]).map((e) => {
        const [k, ...v] = String(e).split('=');
        return [k, v.length ? v.join('=') : undefined];
      })
    : isDict(env)
      ? Object.entries(env)
      : [];
  return new Map(entries.map(([k, v]) => [k, scalar(v)]));
}

function networksOf(svc: Dict): Map<string, Dict> {
  if (Array.isArray(svc.networks)) return new Map((svc.networks as string[]).map((n) => [n, {}]));
  if (isDict(svc.networks))
    return new Map(Object.entries(svc.networks).map(([n, v]) => [n, isDict(v) ? v : {}]));
  return new Map();
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}
function mountsOf(svc: Dict): Mount[] {
  return (Array.isArray(svc.volumes) ? (svc.volumes as unknown[]) : []).flatMap((v) => {
    if (isDict(v))
      return [
        {
          source: scalar(v.source) ?? '',
          target: scalar(v.target) ?? '',
          readOnly: v.read_only === true,
        },
      ];
    const [source, target, mode] = String(v).split(':');
    return target ? [{ source, target, readOnly: (mode ?? '').split(',').includes('ro') }] : [];
  });
}

const dependsOnCompletion = (svc: Dict, dep: string): boolean =>
  isDict(svc.depends_on) &&
  isDict(svc.depends_on[dep]) &&
  svc.depends_on[dep].condition === 'service_completed_successfully';

const buildContext = (svc: Dict): string | undefined =>
  typeof svc.build === 'string'
    ? svc.build
    : isDict(svc.build)
      ? (scalar(svc.build.context) ?? '.')
      : undefined;

// ---------------------------------------------------------------- IPv4 ranges
interface Range {
  net: number;
  prefix: number;
}
function parseIpv4(text: string): Range | undefined {
  const [address, bits, ...rest] = text.trim().split('/');
  const parts = address.split('.');
  if (rest.length > 0 || parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p)))
    return undefined;
  if (bits !== undefined && !/^\d{1,2}$/.test(bits)) return undefined;
  const octets = parts.map(Number);
  const prefix = bits === undefined ? 32 : Number(bits);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { net: ip - (ip % 2 ** (32 - prefix)), prefix };
}
/** Whether `outer` contains every address of `inner`. */
const contains = (outer: Range, inner: Range): boolean =>
  outer.prefix <= inner.prefix && inner.net - (inner.net % 2 ** (32 - outer.prefix)) === outer.net;
const showRange = (r: Range): string =>
  `${[24, 16, 8, 0].map((s) => Math.floor(r.net / 2 ** s) % 256).join('.')}/${r.prefix}`;

// ---------------------------------------------------------------- the checks
export function validateFront(root: string, compose: Dict, report: Report, file: string): void {
  const services = new Map(
    Object.entries(isDict(compose.services) ? compose.services : {}).filter(
      (e): e is [string, Dict] => isDict(e[1]),
    ),
  );
  const at = (name: string): string => `${file} services.${name}`;
  const oneShot = new Set(
    [...services.values()].flatMap((s) =>
      isDict(s.depends_on)
        ? Object.entries(s.depends_on)
            .filter(([, c]) => isDict(c) && c.condition === 'service_completed_successfully')
            .map(([d]) => d)
        : [],
    ),
  );

  // Images: pinned like the others; a locally built one's base image too.
  for (const [name, svc] of services) {
    const context = buildContext(svc);
    if (context === undefined) {
      if (typeof svc.image !== 'string' || !PINNED_IMAGE.test(svc.image))
        report.fail(
          at(name),
          `image '${String(svc.image)}' must be pinned to a major.minor tag or a digest`,
        );
    } else if (context !== '.') {
      const dockerfile = join(
        context,
        isDict(svc.build) && typeof svc.build.dockerfile === 'string'
          ? svc.build.dockerfile
          : 'Dockerfile',
      );
      const text = existsSync(join(root, dockerfile))
        ? readFileSync(join(root, dockerfile), 'utf8')
        : undefined;
      if (text === undefined) report.fail(at(name), `builds from ${dockerfile}, which is missing`);
      for (const from of text?.match(/^FROM\s+\S+/gim) ?? []) {
        const image = from.split(/\s+/)[1];
        if (!PINNED_IMAGE.test(image))
          report.fail(
            dockerfile,
            `base image '${image}' must be pinned to a major.minor tag or a digest`,
          );
      }
    }
  }

  // The proxy, and only it, publishes ports.
  const proxies = [...services].filter(
    ([, s]) => typeof s.image === 'string' && /^caddy[:@]/.test(s.image),
  );
  if (proxies.length !== 1) {
    report.fail(
      file,
      `exactly one reverse proxy (a caddy image) must front the replicas (found ${proxies.length})`,
    );
    return;
  }
  const [proxyName, proxy] = proxies[0];
  for (const [name, svc] of services) {
    if (name !== proxyName && Array.isArray(svc.ports) && svc.ports.length > 0)
      report.fail(
        at(name),
        `publishes ports: only the proxy (${proxyName}) may; reach ${name} through it`,
      );
  }
  const published = (Array.isArray(proxy.ports) ? (proxy.ports as unknown[]) : []).map((p) =>
    isDict(p) ? String(p.target) : String(p).split('/')[0].split(':').pop(),
  );
  if (!published.includes('443'))
    report.fail(at(proxyName), 'must publish HTTPS (container port 443)');

  // The replicas: long-running services built from the repository's Dockerfile.
  const replicas = [...services].filter(
    ([name, s]) => buildContext(s) === '.' && !oneShot.has(name),
  );
  if (replicas.length === 0)
    report.fail(file, 'no app replica (a long-running service built from .)');

  // The Caddyfile.
  const caddyMount = mountsOf(proxy).find((m) => m.target === CADDYFILE_TARGET);
  const caddyPath = caddyMount?.source.replace(/^\.\//, '');
  if (!caddyPath || !existsSync(join(root, caddyPath))) {
    report.fail(at(proxyName), `mounts no Caddyfile at ${CADDYFILE_TARGET} (from the repository)`);
    return;
  }
  const caddyText = readFileSync(join(root, caddyPath), 'utf8');
  const nodes = parseCaddyfile(caddyText);
  const sites = nodes.filter((n) => n.tokens.length > 0);
  const replicaSites = sites.filter((site) =>
    walk(site.children).some(
      (n) =>
        n.tokens[0] === 'reverse_proxy' &&
        upstreamsOf(n).some((u) => replicas.some(([r]) => u.startsWith(`${r}:`))),
    ),
  );
  if (replicaSites.length !== 1) {
    report.fail(
      caddyPath,
      `exactly one site must proxy to the replicas (found ${replicaSites.length})`,
    );
    return;
  }
  const site = replicaSites[0];
  const address = site.tokens[0];
  if (site.tokens.length !== 1 || !address.startsWith('https://')) {
    report.fail(
      caddyPath,
      `the replicas' site must be one https:// address (got '${site.tokens.join(' ')}')`,
    );
    return;
  }
  const origin = new URL(address).origin;
  const host = new URL(address).hostname;

  const proxied = walk(site.children).filter((n) => n.tokens[0] === 'reverse_proxy');
  const upstreams = proxied.flatMap(upstreamsOf);
  for (const [name, svc] of replicas) {
    const port = envOf(svc).get('PORT') ?? '3000';
    if (!upstreams.includes(`${name}:${port}`))
      report.fail(
        caddyPath,
        `reverse_proxy for ${address} does not reach replica ${name} (${name}:${port})`,
      );
  }
  for (const node of walk(nodes).filter((n) => n.tokens[0] === 'reverse_proxy')) {
    for (const u of upstreamsOf(node)) {
      if (!services.has(u.split(':')[0]))
        report.fail(caddyPath, `upstream '${u}' is not a service of ${file}`);
    }
  }
  if (!proxied.some((n) => n.children.some((c) => c.tokens[0] === 'health_uri')))
    report.fail(caddyPath, `reverse_proxy for ${address} has no active health check (health_uri)`);
  if (/strict-transport-security/i.test(caddyText.replace(/(^|\s)#.*$/gm, '')))
    report.fail(
      caddyPath,
      'sets Strict-Transport-Security: the app sends HSTS itself, do not duplicate it',
    );
  const caddyReads: string[] = [];
  for (const s of sites.filter((n) => n.tokens[0].startsWith('https://'))) {
    const tls = s.children.find((c) => c.tokens[0] === 'tls');
    if (!tls || tls.tokens.length < 3 || tls.tokens[1] === 'internal') {
      report.fail(
        caddyPath,
        `site ${s.tokens[0]} needs 'tls <cert> <key>' (the tls-init material): otherwise Caddy obtains one by ACME or its own CA`,
      );
    } else {
      caddyReads.push(tls.tokens[1], tls.tokens[2]);
    }
  }

  // The replicas' origins and proxy trust.
  const fixed = (name: string, key: string, value: string | undefined): string | undefined => {
    if (value === undefined) {
      report.fail(at(name), `${key} is not set (the proxy's site is ${origin})`);
      return undefined;
    }
    if (value.includes('$')) {
      report.fail(
        at(name),
        `${key} must be written out, not taken from .env ('${value}'): the proxy's site (${origin}) is fixed in ${caddyPath}`,
      );
      return undefined;
    }
    return value;
  };
  const originOf = (value: string): string | undefined => {
    try {
      return new URL(value).origin;
    } catch {
      return undefined;
    }
  };
  const proxyNetworks = networksOf(proxy);
  const composeNetworks = isDict(compose.networks) ? compose.networks : {};
  for (const [name, svc] of replicas) {
    const env = envOf(svc);
    const urls: Array<[string, string | undefined]> = [
      ['PUBLIC_APP_URL', fixed(name, 'PUBLIC_APP_URL', env.get('PUBLIC_APP_URL'))],
    ];
    if (env.has('PUBLIC_API_URL'))
      urls.push(['PUBLIC_API_URL', fixed(name, 'PUBLIC_API_URL', env.get('PUBLIC_API_URL'))]);
    for (const o of fixed(name, 'WEBAUTHN_ORIGINS', env.get('WEBAUTHN_ORIGINS'))?.split(',') ?? [])
      urls.push(['WEBAUTHN_ORIGINS', o.trim()]);
    for (const [key, value] of urls) {
      if (value !== undefined && originOf(value) !== origin)
        report.fail(
          at(name),
          `${key} '${value}' is not the proxy's origin ${origin} (${caddyPath})`,
        );
    }
    const rp = fixed(name, 'WEBAUTHN_RP_ID', env.get('WEBAUTHN_RP_ID'));
    if (rp !== undefined && host !== rp && !host.endsWith(`.${rp}`))
      report.fail(
        at(name),
        `WEBAUTHN_RP_ID '${rp}' is not the proxy's host ${host} or a domain above it`,
      );
    if (env.get('ACCOUNT_PAGES') !== 'true')
      report.fail(at(name), 'ACCOUNT_PAGES must be true: the mail links land on the account pages');

    // TRUST_PROXY: the proxy's address on the one network they share, nothing wider.
    const shared = [...networksOf(svc).keys()].filter((n) => proxyNetworks.has(n));
    if (shared.length !== 1) {
      report.fail(
        at(name),
        `shares ${shared.length ? shared.join(', ') : 'no network'} with the proxy: exactly one network, the one TRUST_PROXY names`,
      );
      continue;
    }
    const net = shared[0];
    const declared = composeNetworks[net];
    const subnets = (
      isDict(declared) && isDict(declared.ipam) && Array.isArray(declared.ipam.config)
        ? declared.ipam.config
        : []
    )
      .map((c: unknown) =>
        isDict(c) && typeof c.subnet === 'string' ? parseIpv4(c.subnet) : undefined,
      )
      .filter((r): r is Range => r !== undefined);
    const address4 = proxyNetworks.get(net)?.ipv4_address;
    const proxyRange = typeof address4 === 'string' ? parseIpv4(address4) : subnets[0];
    if (!proxyRange) {
      report.fail(
        at(proxyName),
        `has no fixed address on network ${net} (ipv4_address, or an IPv4 ipam subnet on the network): TRUST_PROXY cannot name it`,
      );
      continue;
    }
    if (
      typeof address4 === 'string' &&
      subnets.length > 0 &&
      !subnets.some((s) => contains(s, proxyRange))
    )
      report.fail(at(proxyName), `ipv4_address ${address4} is outside network ${net}'s subnet`);
    const trust = fixed(name, 'TRUST_PROXY', env.get('TRUST_PROXY'));
    if (trust === undefined) continue;
    const entries = trust
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    let covered = false;
    for (const entry of entries) {
      const range = parseIpv4(entry);
      if (!range) {
        report.fail(
          at(name),
          `TRUST_PROXY entry '${entry}' is not an IPv4 address or CIDR: name the proxy (${showRange(proxyRange)}) only`,
        );
      } else if (!contains(proxyRange, range)) {
        const what = contains(range, proxyRange) ? 'is wider than' : 'is not';
        report.fail(
          at(name),
          `TRUST_PROXY entry '${entry}' ${what} the proxy's ${showRange(proxyRange)} on ${net}: it would believe X-Forwarded-For from other hosts`,
        );
      } else if (contains(range, proxyRange)) {
        covered = true;
      }
    }
    if (!covered)
      report.fail(
        at(name),
        `TRUST_PROXY '${trust}' does not cover the proxy's ${showRange(proxyRange)} on ${net}: every client would share the proxy's address`,
      );
  }

  validateTlsMaterial(root, services, proxyName, caddyReads, report, file);
}

/** Files the tls-init script writes, from its `issue` and `publish_ca` lines. */
export function filesWrittenBy(script: string): {
  files: Set<string>;
  owners: Map<string, string>;
} {
  const tlsRoot = /^root=\$\{TLS_ROOT:-([^}]+)\}/m.exec(script)?.[1] ?? '/tls';
  const files = new Set<string>();
  const owners = new Map<string, string>();
  for (const line of script.split(/\r?\n/)) {
    const issue = /^\s*issue\s+(\S+)\s+(\d+)\s+\S/.exec(line);
    if (issue) {
      for (const f of ['ca.crt', 'server.crt', 'server.key'])
        files.add(`${tlsRoot}/${issue[1]}/${f}`);
      owners.set(`${tlsRoot}/${issue[1]}`, issue[2]);
    }
    const ca = /^\s*publish_ca\s+(\S+)\s*$/.exec(line);
    if (ca) files.add(`${tlsRoot}/${ca[1]}/ca.crt`);
  }
  return { files, owners };
}

function validateTlsMaterial(
  root: string,
  services: Map<string, Dict>,
  proxyName: string,
  caddyReads: string[],
  report: Report,
  file: string,
): void {
  const at = (name: string): string => `${file} services.${name}`;
  const init = services.get(TLS_INIT);
  if (!init) {
    report.fail(file, `no ${TLS_INIT} service: the TLS material is made by that one-shot`);
    return;
  }
  const initMounts = mountsOf(init);
  const scriptMount = initMounts.find((m) => m.source.endsWith('.sh'));
  const scriptPath = scriptMount?.source.replace(/^\.\//, '');
  if (!scriptPath || !existsSync(join(root, scriptPath))) {
    report.fail(at(TLS_INIT), 'mounts no script from the repository (docker/tls-init/make-tls.sh)');
    return;
  }
  const { files, owners } = filesWrittenBy(readFileSync(join(root, scriptPath), 'utf8'));
  // Named volume → where tls-init fills it.
  const filled = new Map(
    initMounts
      .filter((m) => !m.source.startsWith('.') && !m.source.startsWith('/'))
      .map((m) => [m.source, m.target]),
  );

  for (const [name, svc] of services) {
    if (name === TLS_INIT) continue;
    for (const m of mountsOf(svc)) {
      if (/^\.\/docker\/tls(\/|$)/.test(m.source))
        report.fail(
          at(name),
          `mounts ${m.source} from the host: the TLS material comes from ${TLS_INIT}'s volumes`,
        );
    }
    const tlsMounts = mountsOf(svc).filter((m) => filled.has(m.source));
    if (tlsMounts.length === 0) continue;
    if (!dependsOnCompletion(svc, TLS_INIT))
      report.fail(
        at(name),
        `mounts TLS material (${tlsMounts.map((m) => m.source).join(', ')}) but does not wait for ${TLS_INIT} (depends_on: ${TLS_INIT}: condition: service_completed_successfully)`,
      );
    // Every path under a TLS mount that the service's command, environment, health check (or,
    // for the proxy, its Caddyfile) names must be a file the script writes into that volume.
    const said = [
      JSON.stringify([svc.command, svc.entrypoint, svc.environment, svc.healthcheck]),
      ...(name === proxyName ? caddyReads : []),
    ].join('\n');
    for (const m of tlsMounts) {
      if (!m.readOnly)
        report.fail(at(name), `mounts ${m.source} writable: TLS material is mounted :ro`);
      const named = said
        .split(`${m.target}/`)
        .slice(1)
        .map((after) => /^[\w.-]+/.exec(after)?.[0])
        .filter((f): f is string => f !== undefined);
      for (const f of named) {
        const written = `${filled.get(m.source)}/${f}`;
        if (!files.has(written))
          report.fail(
            scriptPath,
            `does not write ${f} into volume ${m.source} (${written}), which services.${name} reads as ${m.target}/${f}`,
          );
      }
      // PostgreSQL refuses a key not owned by the user it runs as: 999 in the Debian images, 70 in Alpine.
      if (typeof svc.image === 'string' && /^postgres:/.test(svc.image)) {
        const uid = /alpine/.test(svc.image) ? '70' : '999';
        const owner = owners.get(filled.get(m.source) ?? '');
        if (owner !== undefined && owner !== uid)
          report.fail(
            scriptPath,
            `gives ${m.source}'s key to uid ${owner}; PostgreSQL in ${svc.image} runs as uid ${uid}`,
          );
      }
    }
  }
}

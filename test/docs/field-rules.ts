/**
 * The field-level rules table of docs/ACCOUNTS.md checked against the OpenAPI document: each row's
 * response and request fields must be exactly what the route answers and accepts, and every
 * account route must have a row. Pure functions, so the check itself can be tested.
 */

type Schema = {
  $ref?: string;
  type?: string;
  items?: Schema;
  properties?: Record<string, unknown>;
};
type Operation = {
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** The routes whose fields are an account's: registration and everything under /api/users. */
export const ACCOUNT_ROUTE = /^\/api\/(users(\/|$)|auth\/register$)/;
const PROOF_SCHEMA = 'ProofsDto';
const SECOND_FACTOR_PROOFS = ['code', 'recoveryCode', 'passkey'];

export interface FieldRule {
  route: string;
  reads: string[];
  writes: string[];
}

/** The rows of the table whose first cell is a backticked `METHOD /path`. */
export function parseFieldRules(markdown: string): FieldRule[] {
  const start = markdown.indexOf('## Field-level read and write rules');
  if (start < 0) return [];
  const section = markdown.slice(start).split('\n## ')[0];
  return section
    .split('\n')
    .filter((line) => /^\| `(GET|POST|PUT|PATCH|DELETE) \//.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      return { route: names(cells[1])[0], reads: names(cells[3]), writes: names(cells[4]) };
    });
}

/** The fields of an object schema, or of each item of an array schema (a list answers its items' fields). */
function properties(api: OpenApi, schema: Schema | undefined): string[] {
  if (schema?.type === 'array') return properties(api, schema.items);
  const resolved = schema?.$ref ? api.components.schemas[schema.$ref.split('/').pop()!] : schema;
  return Object.keys(resolved?.properties ?? {});
}

/** What a route answers (every 2xx form) and accepts (without the proofs of a sensitive operation). */
function fieldsOf(api: OpenApi, operation: Operation): { reads: string[]; writes: string[] } {
  const reads = Object.entries(operation.responses ?? {})
    .filter(([status]) => status.startsWith('2'))
    .flatMap(([, response]) => properties(api, response.content?.['application/json']?.schema));
  const accepted = properties(api, operation.requestBody?.content?.['application/json']?.schema);
  // A second factor is only ever a proof; `password` is one where the body carries the proofs
  // (a password change names its own `currentPassword`, registration sets `password`).
  const proofs = properties(api, api.components.schemas[PROOF_SCHEMA]);
  const carriesProofs = proofs.length > 0 && proofs.every((name) => accepted.includes(name));
  const writes = accepted.filter(
    (name) => !SECOND_FACTOR_PROOFS.includes(name) && !(carriesProofs && proofs.includes(name)),
  );
  return { reads: [...new Set(reads)].sort(), writes: [...new Set(writes)].sort() };
}

export function fieldRuleProblems(api: OpenApi, rules: FieldRule[]): string[] {
  const problems: string[] = [];
  const byRoute = new Map(rules.map((rule) => [rule.route, rule]));
  for (const [path, operations] of Object.entries(api.paths)) {
    if (!ACCOUNT_ROUTE.test(path)) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const route = `${method.toUpperCase()} ${path}`;
      const rule = byRoute.get(route);
      byRoute.delete(route);
      if (!rule) {
        problems.push(`${route} has no row`);
        continue;
      }
      const actual = fieldsOf(api, operation);
      const said = { reads: [...rule.reads].sort(), writes: [...rule.writes].sort() };
      for (const side of ['reads', 'writes'] as const)
        if (said[side].join() !== actual[side].join())
          problems.push(
            `${route} ${side} ${actual[side].join(', ') || '—'}, the row says ${said[side].join(', ') || '—'}`,
          );
    }
  }
  for (const route of byRoute.keys()) problems.push(`${route} is in the table but not in the API`);
  return problems;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataArgsStorage } from 'typeorm';
import { ENTITIES } from '../../src/database/entities';
import { fieldRuleProblems, parseFieldRules, type OpenApi } from './field-rules';

const root = join(__dirname, '..', '..');
const api = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as OpenApi;
const rules = parseFieldRules(readFileSync(join(root, 'docs', 'ACCOUNTS.md'), 'utf8'));

describe('docs/ACCOUNTS.md field-level read and write rules', () => {
  it('names, for every account route, exactly the fields the OpenAPI document says it reads and writes', () => {
    expect(rules.length).toBeGreaterThanOrEqual(13);
    expect(fieldRuleProblems(api, rules)).toEqual([]);
  });

  it('the check itself names a missing row, a field too many or too few, and a row with no route', () => {
    const trimmed = rules
      .filter((rule) => rule.route !== 'GET /api/users')
      .map((rule) =>
        rule.route === 'PATCH /api/users/me'
          ? { ...rule, writes: [...rule.writes, 'role'] }
          : rule.route === 'PATCH /api/users/{id}'
            ? { ...rule, writes: ['isActive'] }
            : rule,
      );
    trimmed.push({ route: 'DELETE /api/users/me', reads: [], writes: [] });
    expect(fieldRuleProblems(api, trimmed)).toEqual([
      'PATCH /api/users/me writes username, the row says role, username',
      'GET /api/users has no row',
      'PATCH /api/users/{id} writes isActive, role, the row says isActive',
      'DELETE /api/users/me is in the table but not in the API',
    ]);
  });
});

describe('no password hints, secret questions or password expiry', () => {
  const FORBIDDEN =
    /hint|question|answer|(password|pwd).*(expir|age|changed|rotat)|(must|force).?change/i;
  // WebAuthn's `hints` (which kind of authenticator the browser should offer: security-key,
  // client-device, hybrid) are members of the passkey options, not password hints.
  const WEBAUTHN_HINTS = new Set(['PasskeyCreationOptions.hints', 'PasskeyRequestOptions.hints']);

  it('no request or response schema of the API has such a field', () => {
    const fields = Object.entries(api.components.schemas).flatMap(([schema, { properties }]) =>
      Object.keys(properties ?? {}).map((field) => `${schema}.${field}`),
    );
    expect(fields).toContain('RegisterDto.password');
    expect(fields).toEqual(expect.arrayContaining([...WEBAUTHN_HINTS]));
    expect(
      fields.filter((field) => FORBIDDEN.test(field.split('.')[1]) && !WEBAUTHN_HINTS.has(field)),
    ).toEqual([]);
  });

  it('no column of the users table is one', () => {
    const storage = getMetadataArgsStorage();
    const users = ENTITIES.find(
      (entity) => storage.tables.find((table) => table.target === entity)?.name === 'users',
    );
    const columns = storage.columns
      .filter((column) => column.target === users)
      .map((column) => column.options.name ?? column.propertyName);
    expect(columns).toContain('password_hash');
    expect(columns.filter((column) => FORBIDDEN.test(column))).toEqual([]);
  });
});

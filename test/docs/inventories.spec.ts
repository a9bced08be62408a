import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataArgsStorage } from 'typeorm';
import { ENV_VARIABLES } from '../../src/config/env.schema';
import { ENTITIES } from '../../src/database/entities';
import {
  classificationProblems,
  communicationsProblems,
  cryptoInventoryProblems,
} from './inventories';

const doc = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'docs', name), 'utf8');

/** Every table of the entities with its column names, as TypeORM's decorators recorded them. */
function entityTables(): Map<string, string[]> {
  const storage = getMetadataArgsStorage();
  return new Map(
    ENTITIES.map((entity) => [
      storage.tables.find((t) => t.target === entity)?.name ?? entity.name,
      storage.columns
        .filter((c) => c.target === entity)
        .map((c) => c.options.name ?? c.propertyName),
    ]),
  );
}

describe('docs/CRYPTOGRAPHY.md and docs/DATA-PROTECTION.md', () => {
  it('names every key and CA variable of the configuration in docs/CRYPTOGRAPHY.md', () => {
    expect(cryptoInventoryProblems(doc('CRYPTOGRAPHY.md'), ENV_VARIABLES)).toEqual([]);
  });

  it('classifies every column of every table in docs/DATA-PROTECTION.md', () => {
    const tables = entityTables();
    expect(tables.size).toBe(ENTITIES.length);
    expect(tables.get('users')).toContain('password_hash');
    expect(classificationProblems(doc('DATA-PROTECTION.md'), tables)).toEqual([]);
  });
});

describe('docs/DEPLOYING.md "Communications"', () => {
  it('names every variable that sets an address the service connects to or listens on', () => {
    expect(ENV_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL', 'SMTP_URL', 'PORT']));
    expect(communicationsProblems(doc('DEPLOYING.md'), ENV_VARIABLES)).toEqual([]);
  });

  it('the check names an endpoint variable the table lacks, and ignores the others', () => {
    const table = '## Communications\n| out | x | `DATABASE_URL` |\n## Next\n`REDIS_URL`';
    expect(communicationsProblems(table, ['DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL'])).toEqual([
      'docs/DEPLOYING.md "Communications" does not name REDIS_URL',
    ]);
  });
});

describe('the inventory checks themselves', () => {
  it('name a key variable the inventory lacks, and ignore other variables', () => {
    expect(cryptoInventoryProblems('| `JWT_SECRET` |', ['JWT_SECRET', 'NEW_KEY', 'PORT'])).toEqual([
      'docs/CRYPTOGRAPHY.md has no row for NEW_KEY',
    ]);
  });

  it('name a missing table, an unclassified column and an unknown class', () => {
    const markdown = [
      '### `users`',
      '| column | class |',
      '|---|---|',
      '| `id`, `email` | internal |',
      '| `ssn` | top secret |',
    ].join('\n');
    const tables = new Map([
      ['users', ['id', 'email', 'ssn', 'phone']],
      ['sessions', ['id']],
    ]);
    expect(classificationProblems(markdown, tables)).toEqual([
      'docs/DATA-PROTECTION.md gives users.ssn the unknown class "top secret"',
      'docs/DATA-PROTECTION.md does not classify users.phone',
      'docs/DATA-PROTECTION.md has no section for sessions',
    ]);
  });
});

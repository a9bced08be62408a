import type { Client } from 'pg';

/**
 * Every row of every table, as text: what pg_dump's data section would contain. (The embedded
 * PostgreSQL 18 ships no pg_dump and Debian's pg_dump 15 refuses a newer server.)
 */
export async function dumpAllRows(admin: Client): Promise<string> {
  const { rows: tables } = await admin.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await admin.query<{ line: string }>(`SELECT t::text AS line FROM ${name} t`);
    parts.push(`-- ${name}`, ...rows.map((r) => r.line));
  }
  return parts.join('\n');
}

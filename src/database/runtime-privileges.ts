import type { DataSource } from 'typeorm';

/**
 * What the application's role may do, granted by the schema owner after every migration run: read
 * and write the application's tables, but only SELECT and INSERT on audit_events (prune through the
 * owner's SECURITY DEFINER function), and nothing on the migrations table. Owning nothing, it can
 * neither disable the audit triggers nor alter a table. Idempotent; run in one transaction.
 */
export async function grantRuntimePrivileges(owner: DataSource, role: string): Promise<void> {
  const grantee = `"${role.replaceAll('"', '""')}"`;
  await owner.transaction(async (manager) => {
    for (const statement of [
      `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${grantee}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${grantee}`,
      `REVOKE UPDATE, DELETE ON audit_events FROM ${grantee}`,
      `REVOKE ALL ON migrations FROM ${grantee}`,
      `GRANT EXECUTE ON FUNCTION audit_prune_through(bigint, timestamptz) TO ${grantee}`,
    ])
      await manager.query(statement);
  });
}

/**
 * The application's own check at start: with two roles, its role must not be able to rewrite or
 * delete audit events. Returns the problem, or undefined when the role is as restricted as it should be.
 */
export async function auditPrivilegeProblem(app: DataSource): Promise<string | undefined> {
  const [row] = await app.query<Array<{ owner: boolean; update: boolean; delete: boolean }>>(
    `SELECT pg_get_userbyid(c.relowner) = current_user AS owner,
            has_table_privilege('audit_events', 'UPDATE') AS update,
            has_table_privilege('audit_events', 'DELETE') AS delete
       FROM pg_class c WHERE c.oid = 'audit_events'::regclass`,
  );
  if (row && (row.owner || row.update || row.delete))
    return 'the DATABASE_URL role owns audit_events or may UPDATE or DELETE it; give it a role that owns nothing (DATABASE_MIGRATION_URL for migrations)';
  return undefined;
}

import dataSource from './data-source';

/**
 * The release step in production (`node dist/database/run-migrations.js`, the compose `migrate`
 * service): applies pending migrations over verified TLS, each in its own transaction, then exits.
 */
async function runMigrations(): Promise<void> {
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(
      `${applied.length} migration(s) applied${applied.map((m) => `\n  ${m.name}`).join('')}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

runMigrations().catch((error: unknown) => {
  process.stderr.write(
    `migration failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { applyGlobalPrefix, createFastifyAdapter } from '../app.setup';
import { loadEnv } from '../config/load-env';
import { buildOpenApiDocument } from './openapi.document';

/**
 * Writes openapi.json from the code alone: preview mode wires the module graph without
 * instantiating providers, so no database is started and no secret is read or generated.
 */
export async function exportOpenApi(
  target = resolve(__dirname, '..', '..', 'openapi.json'),
): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'snf-openapi-'));
  try {
    const env = loadEnv({
      NODE_ENV: 'test',
      DATA_DIR: scratch,
      LOG_DIR: scratch,
      LOG_LEVEL: 'error',
    });
    const app = await NestFactory.create(AppModule.forRoot(env), createFastifyAdapter(env), {
      preview: true,
      logger: false,
    });
    applyGlobalPrefix(app);
    const document = buildOpenApiDocument(app);
    writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
    await app.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  exportOpenApi().catch((error: unknown) => {
    process.stderr.write(
      `openapi export failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}

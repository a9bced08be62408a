// First: tracing (when enabled) must patch http, pg, ioredis, Fastify and Nest before they load.
import './observability/tracing';
import 'reflect-metadata';
import { AppModule } from './app.module';
import { createApp } from './app.setup';
import { EnvError, loadEnv } from './config/load-env';

async function bootstrap(): Promise<void> {
  const env = loadEnv();
  const app = await createApp(AppModule.forRoot(env), env);
  await app.listen({ host: env.HOST, port: env.PORT });
}

bootstrap().catch((error: unknown) => {
  if (error instanceof EnvError) {
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
  } else {
    process.stderr.write(
      `startup failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});

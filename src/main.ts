import 'reflect-metadata';
import { AppModule } from './app.module';
import { createApp } from './app.setup';
import { shutDownOnSignals } from './app.shutdown';
import { EnvError, loadEnv } from './config/load-env';

async function bootstrap(): Promise<void> {
  const env = loadEnv();
  const app = await createApp(AppModule.forRoot(env), env);
  await app.listen({ host: env.HOST, port: env.PORT });
  shutDownOnSignals(app, env);
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

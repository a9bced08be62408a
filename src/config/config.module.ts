import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Env } from './env.schema';

/**
 * Makes the validated Env injectable everywhere (services depend on `Env`, fully typed) and feeds
 * the same values to @nestjs/config for libraries that read ConfigService.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...env })] }),
      ],
      providers: [{ provide: Env, useValue: env }],
      exports: [Env],
    };
  }
}

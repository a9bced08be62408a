import { DynamicModule, Global, Module } from '@nestjs/common';
import { Env } from './env.schema';

/** Makes the validated Env injectable everywhere: services depend on `Env`, fully typed. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: Env, useValue: env }],
      exports: [Env],
    };
  }
}

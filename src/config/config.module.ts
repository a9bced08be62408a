import { DynamicModule, Global, Module } from '@nestjs/common';
import { sectionProviders } from './config-of';
import { Env } from './env.schema';

/**
 * Provides the typed sections of the validated environment (config-sections.ts, and crypto's
 * CryptoOptions) everywhere: a service injects the sections it reads, never the whole `Env`.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: Env): DynamicModule {
    const providers = sectionProviders(env);
    return {
      module: AppConfigModule,
      providers,
      exports: providers.map(({ provide }) => provide),
    };
  }
}

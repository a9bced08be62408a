import { Global, Module } from '@nestjs/common';
import { RedisConnection } from './redis-connection';

/** The process's one Redis connection (none without REDIS_URL), for every feature that uses Redis. */
@Global()
@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}

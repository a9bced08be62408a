// The bare baseline: NestJS 12 on Fastify, one GET route answering a small JSON object, no guards,
// no hooks, no database. Compiled by tsc (bench/baseline/tsconfig.json) into dist-bench/ and run
// with the same `node <file>` invocation as dist/main.js, so the ratio isolates what the app adds.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class HelloController {
  @Get('hello')
  hello(): { status: string; id: number } {
    return { status: 'ok', id: 1 };
  }
}

@Module({ controllers: [HelloController] })
class BaselineModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    BaselineModule,
    new FastifyAdapter(),
    {
      logger: ['error', 'warn'],
    },
  );
  app.enableShutdownHooks();
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3001) });
}

void bootstrap();

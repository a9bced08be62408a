import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestException } from '@nestjs/common';

const MAX_DEPTH = 32;

/**
 * JSON is the only body type: every other Content-Type gets 415 from Fastify. Parsing uses Fastify's
 * secure-json-parse with __proto__ and constructor keys rejected, then a depth limit so a deeply
 * nested body cannot exhaust the validator's recursion.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
      const text = body.toString();
      void parse(request, text, (error: Error | null, value?: unknown) => {
        if (error) return done(protoPoisoning(text) ? new BadRequestException('Request body contains a forbidden key') : error);
        if (depthOf(value) > MAX_DEPTH) return done(new BadRequestException(`Request body is nested deeper than ${MAX_DEPTH} levels`));
        done(null, value);
      });
    },
  );
}

/**
 * Fastify's parser reports a `__proto__` or `constructor` key as plain invalid JSON. secure-json-parse
 * only adds those checks to JSON.parse, so a body it refused that JSON.parse accepts was poisoned.
 */
function protoPoisoning(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function depthOf(value: unknown): number {
  // Iterative so a hostile body cannot overflow the stack while being measured.
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}

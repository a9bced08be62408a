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
    (
      request: FastifyRequest,
      body: string | Buffer,
      done: (err: Error | null, value?: unknown) => void,
    ) => {
      const text = body.toString();
      void parse(request, text, (error: Error | null, value?: unknown) => {
        if (error)
          return done(
            protoPoisoning(text)
              ? new BadRequestException('Request body contains a forbidden key')
              : error,
          );
        // Every body of this API is an object; `null` would otherwise read as an empty one.
        if (value === null)
          return done(new BadRequestException('Request body must be a JSON object'));
        const shape = inspect(value);
        if (shape.depth > MAX_DEPTH)
          return done(
            new BadRequestException(`Request body is nested deeper than ${MAX_DEPTH} levels`),
          );
        if (shape.problem === 'key')
          return done(new BadRequestException('Request body contains a forbidden key'));
        if (shape.problem === 'string')
          return done(
            new BadRequestException('Request body contains a NUL character or malformed Unicode'),
          );
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

// NUL cannot be stored in PostgreSQL text, and a lone surrogate breaks validators (encodeURI throws):
// neither is ever legitimate input, so both are refused once, here, for every field of every route.
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const BAD_STRING = /[\u0000]|\p{Cs}/u;

/**
 * Depth, string hygiene and key names in one walk. A key that names an Object.prototype member
 * (`constructor`, `toString`, `hasOwnProperty`…) is refused: class-transformer silently drops such
 * keys, so the whitelist check would never see them. Iterative so deep bodies cannot overflow the stack.
 */
function inspect(value: unknown): { depth: number; problem?: 'key' | 'string' } {
  let depth = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    if (typeof node === 'string') {
      if (BAD_STRING.test(node)) return { depth, problem: 'string' };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    depth = Math.max(depth, level + 1);
    if (depth > MAX_DEPTH) return { depth };
    for (const [key, child] of Object.entries(node)) {
      if (key in Object.prototype) return { depth, problem: 'key' };
      if (BAD_STRING.test(key)) return { depth, problem: 'string' };
      stack.push([child, level + 1]);
    }
  }
  return { depth };
}

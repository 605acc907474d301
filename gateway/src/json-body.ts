import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '@l1g1/kit';

/**
 * Deepest JSON nesting a request may use. Tensors nest one level per
 * dimension and metadata objects a few more; 64 leaves room for both while
 * keeping every recursive walk (ours, fastify's, V8's) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Depth of the deepest array/object in a JSON text, stopping as soon as it
 * passes `limit`. Written by hand because no JSON parser on npm that we trust
 * on the hot path takes a depth limit, and this single pass over the
 * characters costs far less than the parse that follows it.
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

const UNSUPPORTED_MEDIA_TYPE = () =>
  errors.invalidArgument('content-type', 'unsupported media type: send application/json (or application/octet-stream where the route takes raw bytes)', { reason: 'UNSUPPORTED_MEDIA_TYPE' });

export interface JsonParserOptions {
  bodyLimit: number;
  maxDepth?: number;
  /**
   * Reject `__proto__` / `constructor.prototype` keys (fastify's secure parse).
   * Inference bodies skip it: they are read field by field into typed arrays,
   * never merged into objects, and the scan costs a pass over 80 KB tensors.
   */
  rejectPrototypeKeys: boolean;
}

/**
 * JSON body parsing for `instance`: `application/json`, and also a body sent
 * with no content type or with `application/x-www-form-urlencoded` (what
 * `curl -d` sends) is read as JSON; every other type is 415. Bad JSON and
 * nesting beyond the limit are 400 naming `body`.
 */
export function registerJsonParsers(instance: FastifyInstance, options: JsonParserOptions): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const secure = instance.getDefaultJsonParser('error', 'error');
  const parse = (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void => {
    if (body === '') return done(null, undefined);
    if (exceedsJsonDepth(body, maxDepth)) return done(errors.invalidArgument('body', `JSON nests deeper than ${maxDepth} levels`, { reason: 'JSON_TOO_DEEP' }));
    if (options.rejectPrototypeKeys) {
      secure(req, body, (err, value) => (err ? done(errors.invalidArgument('body', `is not valid JSON: ${jsonErrorText(err)}`, { reason: 'INVALID_JSON' })) : done(null, value)));
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(errors.invalidArgument('body', `is not valid JSON: ${jsonErrorText(err)}`, { reason: 'INVALID_JSON' }));
    }
  };
  const opts = { parseAs: 'string' as const, bodyLimit: options.bodyLimit };
  for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
    if (instance.hasContentTypeParser(type)) instance.removeContentTypeParser(type);
    instance.addContentTypeParser(type, opts, (req, body, done) => parse(req, body as unknown as string, done));
  }
  // Fastify's own text/plain parser would hand a string to routes that expect JSON objects.
  if (instance.hasContentTypeParser('text/plain')) instance.removeContentTypeParser('text/plain');
  // Fastify's catch-all ('*') is also what a body without a content type gets:
  // that one is JSON; any other type without a parser of its own is 415.
  if (instance.hasContentTypeParser('*')) instance.removeContentTypeParser('*');
  instance.addContentTypeParser('*', opts, (req, body, done) => {
    if (req.headers['content-type'] !== undefined) return done(UNSUPPORTED_MEDIA_TYPE());
    parse(req, body as unknown as string, done);
  });
}

/** V8's JSON error text is about positions in the client's own body: safe and useful to send. */
function jsonErrorText(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'parse error';
}

/**
 * The API's JSON body parser: Fastify's own (it refuses `__proto__` poisoning), behind two
 * bounds checked before parsing, each answered 400 naming it:
 * - the body must be valid UTF-8 (not silently turned into U+FFFD);
 * - arrays and objects nest at most {@link MAX_JSON_DEPTH} levels. Deeper JSON is no record
 *   Weft keeps, and every later step (validation, the store thread's structured clone, the
 *   answer's serializer) recurses over it; 2 000 levels made reads of the run hang.
 * The body size is bounded by Fastify's `bodyLimit` (413) before this runs.
 */
import type { FastifyInstance } from 'fastify';
import { RequestBodyError } from '../errors.js';

/** Most levels of arrays and objects a request body may nest. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` (JSON or not) nests brackets deeper than `limit`, outside strings. One pass,
 * no recursion, so a body of any depth is judged without a stack.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces `app`'s `application/json` parser with the bounded one.
 * @example
 * useBoundedJsonParser(app);
 */
export function useBoundedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new RequestBodyError('The request body is not valid UTF-8. Send JSON encoded as UTF-8.'), undefined);
      return;
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new RequestBodyError(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the API's limit. Flatten the data (e.g. flow-run parameters) or store it as a result.`), undefined);
      return;
    }
    void parse(request, text, done); // Fastify's parser answers through done
  });
}

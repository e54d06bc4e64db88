import { AirlockError } from '../errors.js';

const MAX_DEPTH = 64;

/**
 * JSON.parse with a clear 400 and a nesting bound: a deeply nested body (a "JSON bomb") is refused
 * before it is parsed, so it cannot exhaust the stack of code that walks it later.
 */
export function parseJsonBody(body: string, contentType: string | undefined): unknown {
  if (contentType !== undefined && !/^application\/json\b/i.test(contentType.trim())) {
    throw new AirlockError('ERR_UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got ${contentType.slice(0, 80)}`);
  }
  if (body.trim() === '') throw new AirlockError('ERR_BAD_JSON', 'request body is empty; expected a JSON object');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) throw new AirlockError('ERR_BAD_JSON', `request body nests deeper than ${MAX_DEPTH} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    throw new AirlockError('ERR_BAD_JSON', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reading a JSON request body at the boundary: a size cap, then one parse,
 * then a problem document (400 `malformed-json`, 413 `body-too-large`)
 * instead of an exception the client cannot act on.
 *
 * @example const body = await readJsonObject(c.req.raw, 16 * 1024);
 */
import { ProblemError } from './problem.js';

/**
 * The body as a JSON object. Throws 413 past `maxBytes`, 400 for anything that is not a JSON object.
 * @example const { token, jwk } = await readJsonObject(c.req.raw, 16_384);
 */
export async function readJsonObject(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const text = await readText(request, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProblemError(400, 'malformed-json', 'Malformed JSON', 'the request body is not JSON; send a JSON object with Content-Type: application/json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProblemError(400, 'malformed-json', 'Malformed JSON', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * The body as text, refusing more than `maxBytes` (by Content-Length first, then by what arrives).
 * @example const form = new URLSearchParams(await readText(c.req.raw, 16_384));
 */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new ProblemError(413, 'body-too-large', 'Request body too large', `the body is over ${maxBytes} bytes`);
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > maxBytes) throw tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > maxBytes) throw tooLarge();
  return new TextDecoder().decode(bytes);
}

/**
 * Talking to the edge: every answer that is not 2xx is a problem document
 * (RFC 9457); it becomes a StellaError whose message carries the edge's
 * title and detail, so the person at the terminal reads what to fix.
 *
 * @example const body = await edgeJson<{ token: string }>(await fetch(url, init), url);
 */
import { StellaError } from '../../core/errors.js';

/**
 * The JSON body of a 2xx answer; otherwise throws with the problem's title and detail.
 * @example const answer = await edgeJson<TokenAnswer>(response, `${edge}/v1/token`);
 */
export async function edgeJson<T>(response: Response, url: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let problem: { title?: unknown; detail?: unknown } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // Not a problem document (a proxy's page): the status is all there is.
    }
    const why = typeof problem.detail === 'string' ? `${String(problem.title ?? 'refused')}: ${problem.detail}` : `HTTP ${response.status}`;
    throw new StellaError(response.status === 401 || response.status === 403 ? 'SIGNATURE_INVALID' : 'USAGE', `${url}: ${why}`, { data: { httpStatus: response.status } });
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new StellaError('JSON_INVALID', `${url}: the edge answered ${response.status} with a body that is not JSON`, { cause });
  }
}

/**
 * The edge's base URL without a trailing slash; refuses anything but http(s) and URLs with credentials.
 * @example edgeBase('https://edge.example/') // 'https://edge.example'
 */
export function edgeBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StellaError('USAGE', `--edge ${text}: not a URL; give the edge's origin, e.g. https://edge.example`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new StellaError('USAGE', `--edge ${text}: only http(s) URLs`);
  if (url.username !== '' || url.password !== '') throw new StellaError('USAGE', `--edge ${text}: no credentials in the URL`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The `WWW-Authenticate` challenge of a registry (RFC 7235 syntax): a
 * scheme and its comma-separated `key=value` or `key="quoted value"`
 * parameters, as the distribution spec's token flow sends it:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:app:pull"`.
 *
 * @example
 *   parseChallenge('Bearer realm="https://a/token",service="reg"');
 *   // { scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } }
 */

/** One parsed challenge: the scheme lowercased, parameter names lowercased. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const PARAM = /\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/y;

/** The first challenge of a header value, or undefined when it cannot be read. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*([A-Za-z][\w-]*)(?:\s+|$)/.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  PARAM.lastIndex = match[0].length;
  while (PARAM.lastIndex < header.length) {
    const start = PARAM.lastIndex;
    const param = PARAM.exec(header);
    if (param === null || PARAM.lastIndex === start) break;
    const key = (param[1] ?? '').toLowerCase();
    params[key] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

/**
 * Notification routes, from the `notify` section of the state repository's
 * `stella.yaml` (main branch: reviewed like policies). The repository is
 * shared, so secrets never live in it: a route names the environment
 * variable holding its HMAC secret (`secret-env`) and, for Slack and Teams
 * whose URL is itself the credential, may name one holding its URL
 * (`url-env`).
 *
 * ```yaml
 * notify:
 *   routes:
 *     - name: security            # lowercase letters, digits, dashes; unique
 *       type: webhook             # webhook | slack | teams
 *       url: https://hooks.example.com/stella   # or url-env: NAME
 *       secret-env: STELLA_NOTIFY_SECRET        # webhook: required
 *       digest: 15m               # batch events this long (0, 30s, 15m, 2h; default 0: at once)
 *       on: [fail, kev]           # default both
 * ```
 *
 * @example
 *   const routes = parseNotifyRoutes(yamlText, 'stella.yaml');
 */
import YAML from 'yaml';
import { StellaError } from '../../core/errors.js';

/** What a route is told about. */
export type NotifyTrigger = 'fail' | 'kev';
/** What a route's receiver understands. */
export type RouteType = 'webhook' | 'slack' | 'teams';

/** One route, validated. */
export interface NotifyRoute {
  name: string;
  type: RouteType;
  /** The URL, or where to find it. */
  url: { $case: 'value'; value: string } | { $case: 'env'; name: string };
  /** Environment variable holding the HMAC-SHA256 secret (`X-Stella-Signature`). */
  secretEnv?: string;
  digestMs: number;
  on: NotifyTrigger[];
}

const FIELDS = new Set(['name', 'type', 'url', 'url-env', 'secret-env', 'digest', 'on']);
const TYPES: readonly RouteType[] = ['webhook', 'slack', 'teams'];
const TRIGGERS: readonly NotifyTrigger[] = ['fail', 'kev'];
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** The routes of `stella.yaml` text (none when it has no `notify`); CONFIG_INVALID naming `file` and the field. */
export function parseNotifyRoutes(text: string, file: string): NotifyRoute[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text) as unknown;
  } catch (cause) {
    throw new StellaError('CONFIG_INVALID', `${file}: is not valid YAML (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`, { cause });
  }
  const notify = isRecord(doc) ? doc['notify'] : undefined;
  if (notify === undefined || notify === null) return [];
  if (!isRecord(notify) || Object.keys(notify).some((k) => k !== 'routes')) throw bad(file, 'notify', 'must hold only `routes`');
  const list = notify['routes'] ?? [];
  if (!Array.isArray(list)) throw bad(file, 'notify.routes', 'must be a list');
  const routes = list.map((item: unknown, i: number) => parseRoute(item, file, `notify.routes[${i}]`));
  const seen = new Set<string>();
  for (const route of routes) {
    if (seen.has(route.name)) throw bad(file, 'notify.routes', `two routes are named '${route.name}'`);
    seen.add(route.name);
  }
  return routes;
}

function parseRoute(item: unknown, file: string, at: string): NotifyRoute {
  if (!isRecord(item)) throw bad(file, at, 'must be a mapping');
  for (const key of Object.keys(item)) if (!FIELDS.has(key)) throw bad(file, at, `unknown field '${key}' (known: ${[...FIELDS].join(', ')})`);
  const name = item['name'];
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw bad(file, `${at}.name`, 'must be lowercase letters, digits and dashes');
  const type = TYPES.find((t) => t === item['type']);
  if (type === undefined) throw bad(file, `${at}.type`, `must be one of ${TYPES.join(', ')}`);
  const route: NotifyRoute = { name, type, url: parseUrl(item, file, at), digestMs: parseDigest(item['digest'], file, `${at}.digest`), on: parseOn(item['on'], file, `${at}.on`) };
  const secretEnv = item['secret-env'];
  if (secretEnv !== undefined) route.secretEnv = envName(secretEnv, file, `${at}.secret-env`);
  if (type === 'webhook' && route.secretEnv === undefined) throw bad(file, at, 'a webhook route needs secret-env (the variable holding its HMAC secret)');
  return route;
}

function parseUrl(item: Record<string, unknown>, file: string, at: string): NotifyRoute['url'] {
  const url = item['url'];
  const env = item['url-env'];
  if ((url === undefined) === (env === undefined)) throw bad(file, at, 'needs exactly one of url and url-env');
  if (env !== undefined) return { $case: 'env', name: envName(env, file, `${at}.url-env`) };
  if (typeof url !== 'string' || !isHttpUrl(url)) throw bad(file, `${at}.url`, 'must be an http(s) URL');
  return { $case: 'value', value: url };
}

function parseDigest(value: unknown, file: string, at: string): number {
  if (value === undefined || value === 0 || value === '0') return 0;
  const match = typeof value === 'string' ? /^(\d{1,6})(s|m|h)$/.exec(value) : null;
  if (match === null) throw bad(file, at, "must be 0 or a duration like '30s', '15m', '2h'");
  return Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
}

function parseOn(value: unknown, file: string, at: string): NotifyTrigger[] {
  if (value === undefined) return [...TRIGGERS];
  if (!Array.isArray(value) || value.length === 0) throw bad(file, at, `must be a non-empty list of ${TRIGGERS.join(', ')}`);
  return value.map((v: unknown) => {
    const trigger = TRIGGERS.find((t) => t === v);
    if (trigger === undefined) throw bad(file, at, `unknown trigger ${JSON.stringify(v)} (known: ${TRIGGERS.join(', ')})`);
    return trigger;
  });
}

function envName(value: unknown, file: string, at: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw bad(file, at, 'must be an environment variable name');
  return value;
}

/** The route's URL now (from the environment when it names a variable); USAGE when the variable is unset. */
export function routeUrl(route: NotifyRoute, env: NodeJS.ProcessEnv): string {
  if (route.url.$case === 'value') return route.url.value;
  const url = env[route.url.name];
  if (url === undefined || !isHttpUrl(url)) throw new StellaError('USAGE', `notify route ${route.name}: $${route.url.name} must hold the route's http(s) URL`);
  return url;
}

/** The route's HMAC secret, when it has one; USAGE when its variable is unset. */
export function routeSecret(route: NotifyRoute, env: NodeJS.ProcessEnv): string | undefined {
  if (route.secretEnv === undefined) return undefined;
  const secret = env[route.secretEnv];
  if (secret === undefined || secret === '') throw new StellaError('USAGE', `notify route ${route.name}: $${route.secretEnv} (its HMAC secret) is not set`);
  return secret;
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(file: string, at: string, problem: string): StellaError {
  return new StellaError('CONFIG_INVALID', `${file}: ${at} ${problem}`);
}

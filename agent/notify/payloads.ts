/**
 * The body each kind of route receives for a batch of events:
 *
 * - `webhook`: `{ "schema": "stella.notify/v1", "route", "events": [...] }`,
 *   every event whole, for programs;
 * - `slack`: an incoming-webhook message (`text` as the fallback, Block
 *   Kit `blocks`: a header, one section per event, a context line for the
 *   rest — Slack takes at most 50 blocks);
 * - `teams`: a message with one Adaptive Card (1.4) attachment, the form
 *   Microsoft Teams incoming webhooks and Workflows accept.
 *
 * Deterministic: the same events give the same bytes, so a message retried
 * later is the message that failed (and its signature still verifies).
 *
 * @example
 *   const body = renderPayload(route, events); // JSON text
 */
import type { NotifyEvent } from './events.js';
import type { NotifyRoute } from './routes.js';

/** The `schema` of a webhook body. */
export const NOTIFY_SCHEMA = 'stella.notify/v1';
/** Events spelled out in a chat message; the rest are counted. */
const CHAT_EVENTS = 20;

/** The JSON body for `route`. */
export function renderPayload(route: NotifyRoute, events: readonly NotifyEvent[]): string {
  switch (route.type) {
    case 'webhook':
      return JSON.stringify({ schema: NOTIFY_SCHEMA, route: route.name, events });
    case 'slack':
      return JSON.stringify(slack(events));
    case 'teams':
      return JSON.stringify(teams(events));
    default:
      throw new Error(`unknown route type ${String((route as { type: unknown }).type)}`);
  }
}

/** One line per event, for people. */
export function describeEvent(e: NotifyEvent): string {
  const what = e.kind === 'fail' ? `FAIL${e.rule === undefined ? '' : ` (${e.rule})`}` : 'KEV';
  return `${what} ${e.id} in ${e.purl} on ${e.target} (${e.node}, ${e.severity.toLowerCase()}): ${e.reason}`;
}

function title(events: readonly NotifyEvent[]): string {
  const fails = events.filter((e) => e.kind === 'fail').length;
  const kevs = events.length - fails;
  const parts = [fails > 0 ? `${fails} new failing finding(s)` : '', kevs > 0 ? `${kevs} new KEV finding(s)` : ''].filter((p) => p !== '');
  return `Stella: ${parts.join(', ')}`;
}

function slack(events: readonly NotifyEvent[]): object {
  const shown = events.slice(0, CHAT_EVENTS);
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: title(events) } }];
  for (const e of shown) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeSlack(describeEvent(e)) } });
  if (events.length > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${events.length - shown.length} more` }] });
  return { text: title(events), blocks };
}

/** Slack's mrkdwn treats only these three as control characters. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function teams(events: readonly NotifyEvent[]): object {
  const shown = events.slice(0, CHAT_EVENTS);
  const body: object[] = [{ type: 'TextBlock', text: title(events), weight: 'Bolder', size: 'Medium', wrap: true }];
  for (const e of shown) {
    body.push({
      type: 'FactSet',
      separator: true,
      facts: [
        { title: e.kind === 'fail' ? 'Failing' : 'In KEV', value: `${e.id} (${e.severity.toLowerCase()})` },
        { title: 'Package', value: e.purl },
        { title: 'Target', value: `${e.target} on ${e.node}` },
        { title: 'Why', value: e.reason },
      ],
    });
  }
  if (events.length > shown.length) body.push({ type: 'TextBlock', text: `and ${events.length - shown.length} more`, isSubtle: true, wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}

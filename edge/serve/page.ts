/**
 * The dashboard's page frame: one server-rendered HTML document with a
 * skip link, landmarks, a viewport for phones and a small stylesheet (tables
 * scroll sideways on a narrow screen instead of squeezing). No script:
 * every control is a link or a form, so it works with a keyboard and
 * without JavaScript. Pages of a logged-in operator carry a logout button.
 *
 * @example return c.html(page('Nodes', html`<h1>Nodes</h1>`));
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.4; }
body { margin: 0 auto; max-width: 70rem; padding: 0 1rem 2rem; }
.skip { position: absolute; left: -10rem; } .skip:focus { left: 1rem; top: 1rem; background: Canvas; padding: .5rem; }
header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; }
header nav a { margin-right: 1rem; }
header form { margin: .5rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid color-mix(in srgb, CanvasText 20%, transparent); vertical-align: top; }
a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.sev { font-weight: 600; } .CRITICAL { color: #b00020; } .HIGH { color: #c2410c; } .MEDIUM { color: #a16207; }
.ok { color: #15803d; } .bad { color: #b00020; }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0 1rem; }
label { display: flex; flex-direction: column; font-size: .9rem; }
select, button, input { font: inherit; padding: .3rem .5rem; min-height: 2.5rem; }
`;

/**
 * A whole page with `title` and `body` inside <main>; `signedIn` adds the logout button.
 * @example page('Targets', html`<h1>Targets</h1>`, { signedIn: true })
 */
export function page(title: string, body: Markup, options: { signedIn?: boolean } = {}): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Stella Mesh edge</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Sections"><a href="/">Overview</a></nav>${options.signedIn === true ? html`<form method="post" action="/logout"><button type="submit">Log out</button></form>` : ''}</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

/**
 * How long ago `iso` was, for people ("3 min ago").
 * @example age('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:05:00Z')) // '5 min ago'
 */
export function age(iso: string | undefined, now: number): string {
  if (iso === undefined) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** Severity levels, most severe first. */
export const LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

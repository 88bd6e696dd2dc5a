/**
 * The dashboard: server-rendered pages over the same model as the read API
 * (`overview.ts`).
 *
 *   GET /                                  nodes (last report age), targets (severities, KEV, verification)
 *   GET /targets/<node>/<target>?severity= findings of the latest report (KEV, EPSS), scan history, diff form
 *   GET /targets/<node>/<target>/diff?from=&to=  what appeared, went away and changed between two scans
 *
 * Every page wants the operator's session (`auth/require-operator.ts`);
 * without one it redirects to the login (`login.ts`).
 *
 * @example app.route('/', dashboardRoutes());
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Finding } from '../../core/model/report.js';
import { requireOperator } from '../auth/require-operator.js';
import type { EdgeEnv } from '../env.js';
import { readMirror } from './mirror.js';
import type { TargetView } from './overview.js';
import { scanHistory } from './overview.js';
import { age, LEVELS, page } from './page.js';
import { findTarget, overview, targetDiff } from './routes.js';

/**
 * The dashboard's routes.
 * @example new Hono<EdgeEnv>().route('/', dashboardRoutes())
 */
export function dashboardRoutes(): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  // Per route, not `use('*')`: a sub-app's wildcard middleware would also guard every other route mounted at '/'.
  const operator = requireOperator('page');
  routes.get('/', operator, async (c) => {
    const { nodes, targets } = await overview(c);
    const now = Date.now();
    return c.html(
      page(
        'Overview',
        html`<h1>Stella Mesh</h1>
<div class="scroll"><table>
<caption>Nodes (${nodes.length})</caption>
<thead><tr><th scope="col">Node</th><th scope="col">Enrolled</th><th scope="col">Targets</th><th scope="col">Last report</th></tr></thead>
<tbody>${nodes.map((n) => html`<tr><th scope="row">${n.node}</th><td>${n.enrolled ? 'yes' : 'no'}</td><td>${n.targets}</td><td><time datetime="${n.lastReportAt ?? ''}">${age(n.lastReportAt, now)}</time></td></tr>`)}</tbody>
</table></div>
<div class="scroll"><table>
<caption>Targets (${targets.length})</caption>
<thead><tr><th scope="col">Target</th><th scope="col">Node</th>${LEVELS.map((l) => html`<th scope="col">${l.toLowerCase()}</th>`)}<th scope="col">KEV</th><th scope="col">Verification</th><th scope="col">Signed</th></tr></thead>
<tbody>${targets.map((t) => targetRow(t, now))}</tbody>
</table></div>`,
        SIGNED_IN,
      ),
    );
  });
  routes.get('/targets/:node/:slug', operator, async (c) => {
    const target = await findTarget(c);
    const { remote, tips } = await readMirror(c.env);
    const history = await scanHistory(remote.store, tips.get(target.branch) as string, `findings/${target.node}/${target.slug}`);
    const level = c.req.query('severity') ?? '';
    const findings = sortFindings(target.report?.findings ?? []).filter((f) => level === '' || f.severity.level === level);
    const base = `/targets/${encodeURIComponent(target.node)}/${encodeURIComponent(target.slug)}`;
    return c.html(
      page(
        target.target,
        html`<h1>${target.target} <small>on ${target.node}</small></h1>
<p>Report #${target.sequence ?? '?'}, signed <time datetime="${target.signedAt ?? ''}">${age(target.signedAt, Date.now())}</time>: ${verificationText(target)}</p>
<form method="get" action="${base}">
<label for="severity">Show severity<select id="severity" name="severity">
<option value="">all</option>${LEVELS.map((l) => html`<option value="${l}"${l === level ? html` selected` : ''}>${l.toLowerCase()}</option>`)}
</select></label>
<button type="submit">Filter</button>
</form>
<div class="scroll"><table>
<caption>Findings (${findings.length})</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Advisory</th><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed</th><th scope="col">KEV</th><th scope="col">EPSS</th></tr></thead>
<tbody>${findings.map(findingRow)}</tbody>
</table></div>
<h2>Scans</h2>
${
  history.length < 2
    ? html`<p>Only one scan of this target so far: nothing to compare.</p>`
    : html`<form method="get" action="${base}/diff">
<label for="from">From scan<select id="from" name="from">${history.map((h, i) => html`<option value="${h.commit}"${i === 1 ? html` selected` : ''}>${scanLabel(h)}</option>`)}</select></label>
<label for="to">To scan<select id="to" name="to">${history.map((h, i) => html`<option value="${h.commit}"${i === 0 ? html` selected` : ''}>${scanLabel(h)}</option>`)}</select></label>
<button type="submit">Compare</button>
</form>`
}`,
        SIGNED_IN,
      ),
    );
  });
  routes.get('/targets/:node/:slug/diff', operator, async (c) => {
    const target = await findTarget(c);
    const diff = await targetDiff(c);
    const section = (title: string, list: Finding[]) =>
      html`<div class="scroll"><table><caption>${title} (${list.length})</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Advisory</th><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed</th><th scope="col">KEV</th><th scope="col">EPSS</th></tr></thead>
<tbody>${sortFindings(list).map(findingRow)}</tbody></table></div>`;
    return c.html(
      page(
        `Diff of ${target.target}`,
        html`<h1>${target.target}: what changed</h1>
<p>From scan <code>${diff.from.slice(0, 12)}</code> to <code>${diff.to.slice(0, 12)}</code>; ${diff.unchanged} findings unchanged.</p>
${section('New findings', diff.added)}
${section('Fixed findings', diff.fixed)}
${section('Changed findings', diff.changed.map((c) => c.after))}
<p><a href="/targets/${encodeURIComponent(target.node)}/${encodeURIComponent(target.slug)}">Back to ${target.target}</a></p>`,
        SIGNED_IN,
      ),
    );
  });
  return routes;
}

/** Every dashboard page is an operator's: it offers the logout. */
const SIGNED_IN = { signedIn: true } as const;

function targetRow(t: TargetView, now: number) {
  return html`<tr><th scope="row"><a href="/targets/${encodeURIComponent(t.node)}/${encodeURIComponent(t.slug)}">${t.target}</a></th><td>${t.node}</td>${LEVELS.map((l) => html`<td class="sev ${l}">${t.severities[l] ?? 0}</td>`)}<td>${t.kev}</td><td>${verificationText(t)}</td><td><time datetime="${t.signedAt ?? ''}">${age(t.signedAt, now)}</time></td></tr>`;
}

function verificationText(t: TargetView) {
  return t.verification.$case === 'verified' ? html`<span class="ok">verified</span>` : html`<span class="bad">fails: ${t.verification.problems.join('; ')}</span>`;
}

function findingRow(f: Finding) {
  return html`<tr><td class="sev ${f.severity.level}">${f.severity.level.toLowerCase()}</td><td>${f.id}</td><td>${f.name}</td><td>${f.installed}</td><td>${f.fixed ?? '—'}</td><td>${f.kev === undefined ? 'no' : `since ${f.kev.dateAdded}`}</td><td>${f.epss === undefined ? '—' : `${(f.epss.score * 100).toFixed(1)} %`}</td></tr>`;
}

function scanLabel(h: { commit: string; time: number }): string {
  return `${new Date(h.time * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC (${h.commit.slice(0, 12)})`;
}

/** Most severe first, then known exploited, then by EPSS, then by id. */
function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding) => LEVELS.indexOf(f.severity.level);
  return [...findings].sort((a, b) => rank(a) - rank(b) || Number(b.kev !== undefined) - Number(a.kev !== undefined) || (b.epss?.score ?? 0) - (a.epss?.score ?? 0) || (a.id < b.id ? -1 : 1));
}

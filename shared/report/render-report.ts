import { createHash } from 'node:crypto';
import { CHARTS_SCRIPT } from './charts-script';
import { html, inlineScript, jsonForScript, type SafeHtml, safeHttpUrl } from './html';
import {
  burnDownOf,
  DECISIONS,
  decisionByValidation,
  headlineOf,
  isOpen,
  manufacturersToChase,
  mitigatedWithoutPatch,
  modelsLackingMds2,
  overdueWorkOrders,
  type ReportCmms,
  type ReportInput,
  topAdvisories,
  WAITING_ON_MANUFACTURER,
} from './report-model';

export type { ReportInput } from './report-model';

const LABELS: Readonly<Record<string, string>> = {
  IMMEDIATE: 'Immediate',
  OUT_OF_CYCLE: 'Out of cycle',
  SCHEDULED: 'Scheduled',
  DEFER: 'Defer',
  NOT_PRIORITIZED: 'Not prioritized',
  VALIDATED: 'Validated',
  VALIDATED_WITH_CONDITIONS: 'Validated with conditions',
  FIX_PLANNED: 'Fix planned',
  UNDER_REVIEW: 'Under review',
  UNKNOWN: 'Unknown',
  NOT_APPROVED: 'Not approved',
  NO_FIX_AVAILABLE: 'No fix available',
  NOT_AFFECTED: 'Not affected',
  APPLY_PATCH: 'Apply patch',
  APPLY_MITIGATION: 'Apply mitigation',
  REQUEST_VALIDATION: 'Request validation',
  REVIEW_MATCH: 'Review match',
  ROLLBACK: 'Roll back',
  NONE: 'None',
};

const COLORS: Readonly<Record<string, string>> = {
  IMMEDIATE: '#b42318',
  OUT_OF_CYCLE: '#dc6803',
  SCHEDULED: '#1570ef',
  DEFER: '#667085',
  NOT_PRIORITIZED: '#d0d5dd',
  VALIDATED: '#067647',
  VALIDATED_WITH_CONDITIONS: '#47cd89',
  FIX_PLANNED: '#84adff',
  UNDER_REVIEW: '#f79009',
  UNKNOWN: '#98a2b3',
  NOT_APPROVED: '#d92d20',
  NO_FIX_AVAILABLE: '#7a271a',
  NOT_AFFECTED: '#eaecf0',
  OVERDUE: '#b42318',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TABLE_LIMIT = 15;

const label = (code: string | null | undefined) => (code ? (LABELS[code] ?? code) : '—');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const fmt = (n: number) => n.toLocaleString('en-US');
const day = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : iso.slice(0, 10));

/** Links into the CMMS for the identifiers it knows; plain, escaped text for everything else. */
class CmmsLinks {
  private readonly base: string | null;
  private readonly deviceTable: string;

  constructor(private readonly cmms: ReportCmms) {
    const url = cmms.kind === 'servicenow' ? safeHttpUrl(cmms.instanceUrl) : null;
    this.base = url ? url.replace(/\/+$/, '') : null;
    this.deviceTable =
      cmms.kind === 'servicenow' && cmms.deviceTable && /^[a-z0-9_]+$/.test(cmms.deviceTable)
        ? cmms.deviceTable
        : 'cmdb_ci_med_device';
  }

  get name(): string {
    return this.cmms.kind === 'servicenow' ? 'ServiceNow' : this.cmms.name;
  }

  get instance(): string | null {
    return this.base;
  }

  private nav(uri: string): string | null {
    return this.base ? `${this.base}/nav_to.do?uri=${encodeURIComponent(uri)}` : null;
  }

  private link(href: string | null, text: string, kind: string): SafeHtml {
    return href
      ? html`<a class="id" data-kind="${kind}" href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`
      : html`<span class="id" data-kind="${kind}">${text}</span>`;
  }

  workOrder(w: { correlationId: string; cmmsRef?: string }): SafeHtml {
    if (!w.cmmsRef)
      return html`<span class="id muted" data-kind="work-order" title="not yet in the CMMS; correlation id">${w.correlationId.slice(0, 12)}…</span>`;
    const ref = w.cmmsRef;
    const href = /^[A-Z]+\d+$/.test(ref) ? this.nav(`change_request.do?sysparm_query=number=${ref}`) : null;
    return this.link(href, ref, 'work-order');
  }

  device(d: { deviceId: string; assetTag: string }): SafeHtml {
    const sysId = d.deviceId.startsWith('servicenow:') ? d.deviceId.slice('servicenow:'.length) : '';
    const href = /^[0-9a-f]{32}$/i.test(sysId) ? this.nav(`${this.deviceTable}.do?sys_id=${sysId}`) : null;
    return this.link(href, d.assetTag, 'device');
  }

  advisory(advisoryId: string): SafeHtml {
    const href = this.nav(
      `change_request_list.do?sysparm_query=short_descriptionLIKE${advisoryId}^correlation_display=MedPatch`,
    );
    return this.link(href, advisoryId, 'advisory');
  }
}

const pill = (code: string | null) =>
  code
    ? html`<span class="pill" style="--c:${COLORS[code] ?? '#667085'}">${label(code)}</span>`
    : html`<span class="muted">—</span>`;

function more(shown: number, total: number, what: string): SafeHtml {
  return total > shown
    ? html`<p class="more">Showing ${shown} of ${fmt(total)} ${what}; the full lists are in findings.json and work-orders.json.</p>`
    : html``;
}

/**
 * Renders the posture report: one self-contained HTML file (the charting library and the data are inlined, a
 * Content-Security-Policy forbids any network access). Pure: no file system, no clock, no AWS.
 */
export function renderReport(input: ReportInput): string {
  const links = new CmmsLinks(input.cmms);
  const byTag = new Map(input.devices.map((d) => [d.assetTag, d]));
  const deviceTag = (assetTag: string) => links.device(byTag.get(assetTag) ?? { deviceId: '', assetTag });
  const head = headlineOf(input);
  const generated = new Date(input.generatedAt);
  const generatedText = Number.isNaN(generated.getTime())
    ? input.generatedAt
    : `${generated.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

  const open = input.findings.filter(isOpen);
  const waitingGroups = [
    {
      name: 'Validated patch available',
      value: open.filter((f) => f.validationStatus.startsWith('VALIDATED')).length,
      color: COLORS.VALIDATED,
    },
    {
      name: 'Waiting on manufacturer',
      value: open.filter((f) => WAITING_ON_MANUFACTURER.has(f.validationStatus)).length,
      color: COLORS.UNDER_REVIEW,
    },
    {
      name: 'Not approved / no fix',
      value: open.filter(
        (f) => f.validationStatus === 'NOT_APPROVED' || f.validationStatus === 'NO_FIX_AVAILABLE',
      ).length,
      color: COLORS.NOT_APPROVED,
    },
  ];
  const data = {
    labels: LABELS,
    colors: COLORS,
    months: MONTHS,
    decisionOrder: DECISIONS,
    decisionChart: decisionByValidation(input.findings),
    waiting: {
      total: open.length,
      waiting: waitingGroups[1]?.value ?? 0,
      groups: waitingGroups.filter((g) => g.value > 0),
    },
    burnDown: burnDownOf(input.workOrders, input.generatedAt),
  };

  const advisories = topAdvisories(input, 10);
  const chase = manufacturersToChase(input, TABLE_LIMIT);
  const models = modelsLackingMds2(input, TABLE_LIMIT);
  const mitigated = mitigatedWithoutPatch(input, 25);
  const overdue = overdueWorkOrders(input, TABLE_LIMIT);

  const tile = (id: string, value: number, caption: string, tone = '') =>
    html`<div class="tile ${tone}"><div class="value" data-testid="${id}">${fmt(value)}</div><div class="caption">${caption}</div></div>`;
  const decisionTile = (d: (typeof DECISIONS)[number]) =>
    html`<div class="tile decision" style="--c:${COLORS[d] ?? '#667085'}"><div class="value" data-testid="decision-${d}">${fmt(head.byDecision[d])}</div><div class="caption">${label(d)}</div></div>`;

  const chartScript = inlineScript(input.chartScript);
  const ownScript = inlineScript(CHARTS_SCRIPT);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(chartScript)}' 'sha256-${sha256(ownScript)}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const cmmsLine = links.instance
    ? html`${links.name} <span class="muted">${links.instance}</span>`
    : html`${links.name}`;

  const body = html`
<header>
  <div>
    <h1>Medical device security patch posture</h1>
    <p class="sub">${input.organization ? html`${input.organization} · ` : ''}Generated <time datetime="${input.generatedAt}">${generatedText}</time> · Work orders: ${cmmsLine}</p>
  </div>
  <div class="brand">MedPatch</div>
</header>
<main>
<section class="tiles" aria-label="Headline numbers">
  ${tile('devices', head.devices, 'Devices in inventory')}
  ${tile('devices-open', head.devicesWithOpenFindings, 'Devices with open findings', 'accent')}
  ${DECISIONS.map(decisionTile)}
  ${tile('waiting', head.waitingOnManufacturer, 'Open findings waiting on manufacturers', 'amber')}
  ${tile('overdue', head.overdueWorkOrders, 'Overdue work orders', head.overdueWorkOrders > 0 ? 'alert' : '')}
</section>
<p class="note">${fmt(head.findings)} findings in total${head.notPrioritized > 0 ? html` (${fmt(head.notPrioritized)} not prioritized yet)` : ''}; ${fmt(head.workOrders)} work orders, ${fmt(head.workOrdersInCmms)} of them in ${links.name}. A patch is applied to a medical device only after its manufacturer has validated it; until then the device gets the manufacturer's interim mitigations.</p>

<section class="grid">
  <figure class="card wide">
    <figcaption><h2>Findings by decision and manufacturer validation</h2><p>Each bar is one SSVC decision; colours show what the manufacturer has said about the patch.</p></figcaption>
    <div class="chart" id="chart-decisions" role="img" aria-label="Findings by decision, stacked by manufacturer validation status"></div>
  </figure>
  <figure class="card">
    <figcaption><h2>How much is waiting on manufacturers</h2><p>Open findings by validation status.</p></figcaption>
    <div class="chart" id="chart-waiting" role="img" aria-label="Share of open findings waiting on manufacturers"></div>
  </figure>
  <figure class="card full">
    <figcaption><h2>Work orders by due date (SLA burn-down)</h2><p>Open work orders due per week; overdue ones in red. The line shows how many stay open if each is closed by its due date.</p></figcaption>
    <div class="chart tall" id="chart-burndown" role="img" aria-label="Open work orders by due week, overdue highlighted"></div>
  </figure>
</section>

<section class="card" id="overdue">
  <h2>Overdue work orders <span class="count ${overdue.total > 0 ? 'alert' : ''}">${fmt(overdue.total)}</span></h2>
  ${
    overdue.total === 0
      ? html`<p class="empty">No work order is past its due date.</p>`
      : html`<table><thead><tr><th>Work order</th><th>Action</th><th>Devices</th><th>Advisory</th><th>Decision</th><th>Due</th><th class="num">Days overdue</th></tr></thead><tbody>
      ${overdue.rows.map(
        (w) =>
          html`<tr class="overdue"><td>${links.workOrder(w)}</td><td>${label(w.kind)}</td><td>${w.assetTags.map((t, i) => html`${i > 0 ? ', ' : ''}${deviceTag(t)}`)}</td><td>${w.advisoryIds.map((a, i) => html`${i > 0 ? ', ' : ''}${links.advisory(a)}`)}</td><td>${pill(w.decision)}</td><td>${day(w.dueDate)}</td><td class="num">${w.daysOverdue}</td></tr>`,
      )}</tbody></table>${more(overdue.rows.length, overdue.total, 'overdue work orders')}`
  }
</section>

<section class="card" id="advisories">
  <h2>Top advisories by devices affected</h2>
  ${
    advisories.total === 0
      ? html`<p class="empty">No open findings.</p>`
      : html`<table><thead><tr><th>Advisory</th><th>Title</th><th class="num">Devices</th><th>Highest decision</th><th class="num">Validated</th><th class="num">Waiting</th><th class="num">Work orders in ${links.name}</th></tr></thead><tbody>
      ${advisories.rows.map(
        (a) =>
          html`<tr><td>${links.advisory(a.advisoryId)}${safeHttpUrl(a.url) ? html` <a class="doc" href="${safeHttpUrl(a.url) ?? ''}" target="_blank" rel="noopener noreferrer">CSAF</a>` : ''}</td><td class="title">${a.title}</td><td class="num strong">${fmt(a.devices)}</td><td>${pill(a.highestDecision)}</td><td class="num">${fmt(a.validated)}</td><td class="num">${fmt(a.waiting)}</td><td class="num">${fmt(a.workOrdersInCmms)} / ${fmt(a.workOrders)}</td></tr>`,
      )}</tbody></table>${more(advisories.rows.length, advisories.total, 'advisories')}`
  }
</section>

<section class="card" id="chase">
  <h2>Manufacturers to chase</h2>
  <p class="lead">Open findings whose patch validation is unknown or under review: ask these manufacturers for a validation statement.</p>
  ${
    chase.total === 0
      ? html`<p class="empty">Every open finding has a validation status from its manufacturer.</p>`
      : html`<table><thead><tr><th>Manufacturer</th><th>Models</th><th class="num">Unknown</th><th class="num">Under review</th><th class="num">Devices</th><th>Advisories</th></tr></thead><tbody>
      ${chase.rows.map(
        (m) =>
          html`<tr><td><strong>${m.manufacturer}</strong>${m.aliases.length > 0 ? html` <span class="small muted">(also recorded as ${m.aliases.slice(0, 3).join(', ')}${m.aliases.length > 3 ? ` +${m.aliases.length - 3}` : ''})</span>` : ''}</td><td class="small">${m.models.slice(0, 4).join(' · ')}${m.models.length > 4 ? html` <span class="muted">+${m.models.length - 4} models</span>` : ''}</td><td class="num">${fmt(m.unknown)}</td><td class="num">${fmt(m.underReview)}</td><td class="num">${fmt(m.devices)}</td><td>${m.advisoryIds.slice(0, 4).map((a, i) => html`${i > 0 ? ', ' : ''}${links.advisory(a)}`)}${m.advisoryIds.length > 4 ? html` <span class="muted">+${m.advisoryIds.length - 4}</span>` : ''}</td></tr>`,
      )}</tbody></table>${more(chase.rows.length, chase.total, 'manufacturers')}`
  }
</section>

<section class="card" id="mds2">
  <h2>Models without an MDS2 profile</h2>
  <p class="lead">${
    models.profiles === 0
      ? html`<strong>No MDS2 profile recorded</strong> for any model yet. Request the manufacturer's MDS2 form (patching responsibilities, CSUP/SBOM) for these models, those with open findings first.`
      : html`${fmt(models.profiles)} MDS2 profiles on record; these models have none. Request the manufacturer's MDS2 form, those with open findings first.`
  }</p>
  ${
    models.total === 0
      ? html`<p class="empty">Every device model has an MDS2 profile.</p>`
      : html`<table><thead><tr><th>Manufacturer</th><th>Model</th><th class="num">Devices</th><th class="num">With open findings</th><th>e.g.</th></tr></thead><tbody>
      ${models.rows.map(
        (m) =>
          html`<tr><td>${m.manufacturer}</td><td>${m.model || m.modelNumber}${m.model && m.modelNumber ? html` <span class="muted">${m.modelNumber}</span>` : ''}</td><td class="num">${fmt(m.devices)}</td><td class="num ${m.devicesWithOpenFindings > 0 ? 'strong' : ''}">${fmt(m.devicesWithOpenFindings)}</td><td>${m.exampleAssetTags.map((t, i) => html`${i > 0 ? ', ' : ''}${deviceTag(t)}`)}</td></tr>`,
      )}</tbody></table>${more(models.rows.length, models.total, 'models')}`
  }
</section>

<section class="card" id="mitigated">
  <h2>Devices on interim mitigations without a validated patch <span class="count">${fmt(mitigated.devices)}</span></h2>
  <p class="lead">Mitigation in place (finding marked mitigated) or ordered (a mitigation work order), while the manufacturer has not validated a patch.</p>
  ${
    mitigated.total === 0
      ? html`<p class="empty">No device relies on an interim mitigation.</p>`
      : html`<table><thead><tr><th>Asset tag</th><th>Device</th><th>Department</th><th>Advisory</th><th>Validation</th><th>Mitigation</th><th>Decision</th><th>Work order</th><th>Due</th></tr></thead><tbody>
      ${mitigated.rows.map(
        (r) =>
          html`<tr><td>${links.device(r)}</td><td>${r.device}</td><td>${r.department}</td><td>${links.advisory(r.advisoryId)}</td><td>${pill(r.validationStatus)}</td><td>${r.mitigation}</td><td>${pill(r.decision)}</td><td>${r.workOrder ? links.workOrder(r.workOrder) : html`<span class="muted">—</span>`}</td><td>${r.workOrder ? day(r.workOrder.dueDate) : ''}</td></tr>`,
      )}</tbody></table>${more(mitigated.rows.length, mitigated.total, 'findings')}`
  }
</section>
</main>
<footer>MedPatch posture report · ${fmt(input.summary.advisories?.accepted ?? input.advisories.length)} advisories · ${fmt(input.summary.validations?.loaded ?? 0)} validation records · ECharts inlined; this file needs no network access.</footer>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>MedPatch posture report · ${html`${generatedText}`}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${chartScript}</script>
<script>${ownScript}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --ink:#101828; --ink2:#344054; --mute:#667085; --line:#eaecf0; --bg:#f5f7fa; --card:#fff; --red:#b42318; --amber:#b54708; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
header { display:flex; justify-content:space-between; align-items:flex-end; padding:24px 32px 18px; background:#0b2545; color:#fff; }
header h1 { margin:0; font-size:22px; font-weight:650; letter-spacing:-0.01em; }
header .sub { margin:6px 0 0; color:#c7d2e0; font-size:13px; }
header .sub .muted { color:#9fb0c6; }
.brand { font-weight:700; letter-spacing:0.08em; text-transform:uppercase; font-size:12px; color:#9fb0c6; }
main { padding:20px 32px 8px; max-width:1440px; margin:0 auto; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:12px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; box-shadow:0 1px 2px rgba(16,24,40,.04); }
.tile .value { font-size:28px; font-weight:700; font-variant-numeric:tabular-nums; line-height:1.1; }
.tile .caption { color:var(--mute); font-size:12.5px; margin-top:4px; }
.tile.decision { border-top:4px solid var(--c); }
.tile.decision .value { color:var(--c); }
.tile.accent .value { color:#0b2545; }
.tile.amber .value { color:var(--amber); }
.tile.alert { background:#fef3f2; border-color:#fecdca; }
.tile.alert .value { color:var(--red); }
.note { color:var(--ink2); margin:12px 2px 18px; font-size:13px; }
.grid { display:grid; grid-template-columns:2fr 1fr; gap:16px; margin-bottom:16px; }
.grid.two { grid-template-columns:1fr 1fr; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin:0 0 16px; box-shadow:0 1px 2px rgba(16,24,40,.04); min-width:0; }
.grid > .card { margin:0; }
.card.full { grid-column:1 / -1; }
figure { margin:0; }
h2 { font-size:15px; margin:0 0 4px; font-weight:650; }
figcaption p, .lead { margin:0 0 10px; color:var(--mute); font-size:12.5px; }
.chart { width:100%; height:300px; }
.chart.tall { height:320px; }
table { width:100%; border-collapse:collapse; font-size:13px; }
th { text-align:left; color:var(--mute); font-weight:600; font-size:11.5px; text-transform:uppercase; letter-spacing:.04em; border-bottom:1px solid var(--line); padding:6px 8px; }
td { border-bottom:1px solid var(--line); padding:7px 8px; vertical-align:top; }
tr:last-child td { border-bottom:none; }
.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.strong { font-weight:700; }
td.title { max-width:420px; }
.id { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; white-space:nowrap; }
a.id, a.doc { color:#175cd3; text-decoration:none; }
a.id:hover, a.doc:hover { text-decoration:underline; }
a.doc { font-size:11px; margin-left:4px; }
.muted { color:var(--mute); }
.small { font-size:12px; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:11.5px; font-weight:600; white-space:nowrap; color:var(--c); background:color-mix(in srgb, var(--c) 12%, white); border:1px solid color-mix(in srgb, var(--c) 35%, white); }
.count { display:inline-block; margin-left:6px; padding:0 8px; border-radius:999px; background:#f2f4f7; color:var(--ink2); font-size:12px; vertical-align:2px; }
.count.alert { background:#fee4e2; color:var(--red); }
tr.overdue td { background:#fffbfa; }
tr.overdue td:first-child { box-shadow:inset 3px 0 0 var(--red); }
.empty { color:var(--mute); font-style:italic; margin:6px 0; }
.more { color:var(--mute); font-size:12px; margin:8px 0 0; }
footer { color:var(--mute); font-size:12px; padding:8px 32px 28px; max-width:1440px; margin:0 auto; }
@media (max-width: 960px) { .grid, .grid.two { grid-template-columns:1fr; } }
@media print { body { background:#fff; } header { background:#fff; color:var(--ink); border-bottom:2px solid var(--ink); } header .sub { color:var(--ink2); } .card { break-inside:avoid; box-shadow:none; } }
`;

import { normalizeManufacturer } from '../domain/manufacturer';
import { findProfileFor, type Mds2Profile, modelsWithoutProfile } from '../domain/mds2';

/**
 * What the posture report is built from. Structural subsets of the pipeline's rows (local/pipeline.ts), so the
 * same renderer can serve the CLI and a scheduled Lambda reading the table.
 */
export interface ReportDevice {
  deviceId: string;
  assetTag: string;
  manufacturer: string;
  model: string;
  modelNumber: string;
  department?: string;
}

export interface ReportFinding {
  deviceId: string;
  assetTag: string;
  advisoryId: string;
  cves: readonly string[];
  product: string;
  matchConfidence: string;
  validationStatus: string;
  action?: string | null;
  decision: string | null;
  remediationState: string;
}

export interface ReportWorkOrder {
  correlationId: string;
  kind: string;
  assetTags: readonly string[];
  advisoryIds: readonly string[];
  decision: string;
  priority: number;
  dueDate: string;
  cmmsRef?: string;
}

export interface ReportAdvisory {
  advisoryId: string;
  title: string;
  /** Public document URL (CSAF self URL); only http(s) URLs become links. */
  url?: string;
}

/** Where the identifiers live: ServiceNow rows link into the instance, anything else shows plain ids. */
export type ReportCmms =
  | { kind: 'servicenow'; instanceUrl: string /** default cmdb_ci_med_device */; deviceTable?: string }
  | { kind: 'other'; name: string };

export interface ReportSummary {
  findings: { total: number; byDecision: Readonly<Record<string, number>> };
  workOrders: { total: number; dispatched: number };
  advisories?: { documents: number; accepted: number; unchanged: number; rejected: number };
  validations?: { loaded: number; rejected: number };
  alerts?: number;
}

export interface ReportInput {
  /** ISO timestamp: "now" for overdue work orders and the report header. */
  generatedAt: string;
  /** Shown in the header, e.g. the hospital's name. */
  organization?: string;
  summary: ReportSummary;
  devices: readonly ReportDevice[];
  findings: readonly ReportFinding[];
  workOrders: readonly ReportWorkOrder[];
  advisories: readonly ReportAdvisory[];
  /** MDS2 profiles on record; null when none could be read (every model is then listed as lacking one). */
  mds2Profiles: readonly Mds2Profile[] | null;
  cmms: ReportCmms;
  /** The charting library's browser bundle (echarts.common.min.js), inlined as is. */
  chartScript: string;
}

export const DECISIONS = ['IMMEDIATE', 'OUT_OF_CYCLE', 'SCHEDULED', 'DEFER'] as const;
export const VALIDATION_ORDER = [
  'VALIDATED',
  'VALIDATED_WITH_CONDITIONS',
  'FIX_PLANNED',
  'UNDER_REVIEW',
  'UNKNOWN',
  'NOT_APPROVED',
  'NO_FIX_AVAILABLE',
  'NOT_AFFECTED',
] as const;
/** Validation statuses that mean the hospital is waiting on the manufacturer. */
export const WAITING_ON_MANUFACTURER: ReadonlySet<string> = new Set([
  'UNKNOWN',
  'UNDER_REVIEW',
  'FIX_PLANNED',
]);
const PATCH_VALIDATED: ReadonlySet<string> = new Set(['VALIDATED', 'VALIDATED_WITH_CONDITIONS']);
/** Remediation states that close a finding; everything else (MITIGATED included: no patch yet) is open. */
export const CLOSED_STATES: ReadonlySet<string> = new Set([
  'PATCHED',
  'VERIFIED',
  'RISK_ACCEPTED',
  'NOT_AFFECTED',
]);

const DAY_MS = 86_400_000;

/** The model as people call it: the model name, else the model number. */
export function modelName(device: Pick<ReportDevice, 'model' | 'modelNumber'>): string {
  return device.model || device.modelNumber;
}

/** The model name without a leading manufacturer brand ("Philips IntelliVue MX450" → "IntelliVue MX450"). */
export function modelWithoutBrand(
  device: Pick<ReportDevice, 'manufacturer' | 'model' | 'modelNumber'>,
): string {
  const model = modelName(device);
  const brand = device.manufacturer.split(/\s+/)[0] ?? '';
  const stripped =
    brand && model.toLowerCase().startsWith(`${brand.toLowerCase()} `)
      ? model.slice(brand.length + 1)
      : model;
  const rest = device.manufacturer.slice(brand.length).trim();
  return rest && stripped.toLowerCase().startsWith(`${rest.toLowerCase()} `)
    ? stripped.slice(rest.length + 1)
    : stripped;
}

/** "Manufacturer Model", without repeating the manufacturer when the model name already starts with it. */
export function deviceName(device: Pick<ReportDevice, 'manufacturer' | 'model' | 'modelNumber'>): string {
  const model = modelName(device);
  const brand = device.manufacturer.split(/\s+/)[0]?.toLowerCase() ?? '';
  return brand && model.toLowerCase().startsWith(brand) ? model : `${device.manufacturer} ${model}`.trim();
}

export function isOpen(finding: ReportFinding): boolean {
  return !CLOSED_STATES.has(finding.remediationState);
}

export interface Headline {
  devices: number;
  devicesWithOpenFindings: number;
  findings: number;
  byDecision: Record<(typeof DECISIONS)[number], number>;
  notPrioritized: number;
  waitingOnManufacturer: number;
  workOrders: number;
  workOrdersInCmms: number;
  overdueWorkOrders: number;
}

export function headlineOf(input: ReportInput): Headline {
  const byDecision = Object.fromEntries(
    DECISIONS.map((d) => [d, input.summary.findings.byDecision[d] ?? 0]),
  ) as Headline['byDecision'];
  const now = Date.parse(input.generatedAt);
  return {
    devices: input.devices.length,
    devicesWithOpenFindings: new Set(input.findings.filter(isOpen).map((f) => f.deviceId)).size,
    findings: input.summary.findings.total,
    byDecision,
    notPrioritized: input.summary.findings.byDecision.none ?? 0,
    waitingOnManufacturer: input.findings.filter(
      (f) => isOpen(f) && WAITING_ON_MANUFACTURER.has(f.validationStatus),
    ).length,
    workOrders: input.summary.workOrders.total,
    workOrdersInCmms: input.summary.workOrders.dispatched,
    overdueWorkOrders: input.workOrders.filter((w) => Date.parse(w.dueDate) < now).length,
  };
}

/** Findings per decision (rows) × validation status (stacks) for the first chart. */
export function decisionByValidation(findings: readonly ReportFinding[]): {
  decisions: string[];
  statuses: string[];
  counts: Record<string, Record<string, number>>;
  /** Findings per decision, in `decisions` order. */
  totals: number[];
} {
  const counts: Record<string, Record<string, number>> = {};
  for (const f of findings) {
    const decision = f.decision ?? 'NOT_PRIORITIZED';
    const row = counts[decision] ?? {};
    row[f.validationStatus] = (row[f.validationStatus] ?? 0) + 1;
    counts[decision] = row;
  }
  const decisions = [...DECISIONS, ...(counts.NOT_PRIORITIZED ? ['NOT_PRIORITIZED'] : [])];
  const present = new Set(findings.map((f) => f.validationStatus));
  const statuses = [
    ...VALIDATION_ORDER.filter((s) => present.has(s)),
    ...[...present].filter((s) => !(VALIDATION_ORDER as readonly string[]).includes(s)).sort(),
  ];
  const totals = decisions.map((decision) =>
    Object.values(counts[decision] ?? {}).reduce((sum, n) => sum + n, 0),
  );
  return { decisions, statuses, counts, totals };
}

export interface BurnDown {
  /** Week starts (Mondays, YYYY-MM-DD) from the earliest due week (or this week) to the last. */
  weeks: string[];
  currentWeek: string;
  /** Work orders due per week, overdue ones separately. */
  overdue: number[];
  dueByDecision: Record<string, number[]>;
  /** Work orders still open after each week if every one is closed by its due date. */
  remaining: number[];
}

function weekStart(ms: number): string {
  const day = new Date(ms);
  const monday =
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) -
    ((day.getUTCDay() + 6) % 7) * DAY_MS;
  return new Date(monday).toISOString().slice(0, 10);
}

/** Open work orders by due week: the SLA burn-down. */
export function burnDownOf(workOrders: readonly ReportWorkOrder[], generatedAt: string): BurnDown {
  const now = Date.parse(generatedAt);
  const currentWeek = weekStart(now);
  const dated = workOrders
    .map((w) => ({ w, due: Date.parse(w.dueDate) }))
    .filter((x) => !Number.isNaN(x.due));
  const first = Math.min(now, ...dated.map((x) => x.due));
  const last = Math.max(now, ...dated.map((x) => x.due));
  const weeks: string[] = [];
  for (let t = Date.parse(weekStart(first)); t <= last; t += 7 * DAY_MS)
    weeks.push(new Date(t).toISOString().slice(0, 10));
  const index = new Map(weeks.map((w, i) => [w, i]));
  const overdue = weeks.map(() => 0);
  const dueByDecision: Record<string, number[]> = {};
  for (const { w, due } of dated) {
    const i = index.get(weekStart(due)) ?? 0;
    if (due < now) overdue[i] = (overdue[i] ?? 0) + 1;
    else {
      const row = dueByDecision[w.decision] ?? weeks.map(() => 0);
      row[i] = (row[i] ?? 0) + 1;
      dueByDecision[w.decision] = row;
    }
  }
  let open = dated.length;
  const remaining = weeks.map((_, i) => {
    open -= (overdue[i] ?? 0) + Object.values(dueByDecision).reduce((s, row) => s + (row[i] ?? 0), 0);
    return open;
  });
  return { weeks, currentWeek, overdue, dueByDecision, remaining };
}

export interface AdvisoryRow {
  advisoryId: string;
  title: string;
  url?: string;
  devices: number;
  highestDecision: string | null;
  validated: number;
  waiting: number;
  workOrders: number;
  workOrdersInCmms: number;
}

/** Advisories ranked by distinct devices with open findings. */
export function topAdvisories(input: ReportInput, limit: number): { rows: AdvisoryRow[]; total: number } {
  const titles = new Map(input.advisories.map((a) => [a.advisoryId, a]));
  const rank = (d: string | null) => (d === null ? 99 : DECISIONS.indexOf(d as never));
  const byAdvisory = new Map<string, ReportFinding[]>();
  for (const f of input.findings.filter(isOpen)) {
    const list = byAdvisory.get(f.advisoryId) ?? [];
    list.push(f);
    byAdvisory.set(f.advisoryId, list);
  }
  const rows = [...byAdvisory.entries()].map(([advisoryId, findings]): AdvisoryRow => {
    const advisory = titles.get(advisoryId);
    const orders = input.workOrders.filter((w) => w.advisoryIds.includes(advisoryId));
    const decisions = findings.map((f) => f.decision).filter((d): d is string => d !== null);
    const highest = decisions.sort((a, b) => rank(a) - rank(b))[0] ?? null;
    return {
      advisoryId,
      title: advisory?.title ?? '',
      ...(advisory?.url ? { url: advisory.url } : {}),
      devices: new Set(findings.map((f) => f.deviceId)).size,
      highestDecision: highest,
      validated: findings.filter((f) => PATCH_VALIDATED.has(f.validationStatus)).length,
      waiting: findings.filter((f) => WAITING_ON_MANUFACTURER.has(f.validationStatus)).length,
      workOrders: orders.length,
      workOrdersInCmms: orders.filter((w) => w.cmmsRef).length,
    };
  });
  rows.sort(
    (a, b) =>
      b.devices - a.devices ||
      rank(a.highestDecision) - rank(b.highestDecision) ||
      (a.advisoryId < b.advisoryId ? -1 : 1),
  );
  return { rows: rows.slice(0, limit), total: rows.length };
}

export interface ManufacturerRow {
  /** The spelling most devices use. */
  manufacturer: string;
  /** Other spellings of the same manufacturer in the inventory (grouped by normalized manufacturer key). */
  aliases: string[];
  unknown: number;
  underReview: number;
  devices: number;
  models: string[];
  advisoryIds: string[];
}

/** Who to chase: manufacturers with the most open findings whose validation is UNKNOWN or UNDER_REVIEW. */
export function manufacturersToChase(
  input: ReportInput,
  limit: number,
): { rows: ManufacturerRow[]; total: number } {
  const devices = new Map(input.devices.map((d) => [d.deviceId, d]));
  interface Group {
    row: ManufacturerRow;
    deviceIds: Set<string>;
    names: Map<string, number>;
  }
  const groups = new Map<string, Group>();
  for (const f of input.findings) {
    if (!isOpen(f) || (f.validationStatus !== 'UNKNOWN' && f.validationStatus !== 'UNDER_REVIEW')) continue;
    const device = devices.get(f.deviceId);
    const manufacturer = device?.manufacturer ?? 'Unknown manufacturer';
    // Spellings of one manufacturer ("PHILIPS", "Koninklijke Philips N.V.") are one row: who to call is the same.
    const key = normalizeManufacturer(manufacturer) || manufacturer.toLowerCase();
    const group: Group = groups.get(key) ?? {
      row: {
        manufacturer,
        aliases: [],
        unknown: 0,
        underReview: 0,
        devices: 0,
        models: [],
        advisoryIds: [],
      },
      deviceIds: new Set<string>(),
      names: new Map<string, number>(),
    };
    if (!group.deviceIds.has(f.deviceId))
      group.names.set(manufacturer, (group.names.get(manufacturer) ?? 0) + 1);
    if (f.validationStatus === 'UNKNOWN') group.row.unknown += 1;
    else group.row.underReview += 1;
    group.deviceIds.add(f.deviceId);
    const model = device ? modelWithoutBrand(device) : f.product;
    if (model && !group.row.models.includes(model)) group.row.models.push(model);
    if (!group.row.advisoryIds.includes(f.advisoryId)) group.row.advisoryIds.push(f.advisoryId);
    groups.set(key, group);
  }
  const rows = [...groups.values()].map(({ row, deviceIds, names }): ManufacturerRow => {
    const byUse = [...names.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return {
      ...row,
      manufacturer: byUse[0]?.[0] ?? row.manufacturer,
      aliases: byUse.slice(1).map(([name]) => name),
      devices: deviceIds.size,
      models: [...row.models].sort(),
      advisoryIds: [...row.advisoryIds].sort(),
    };
  });
  rows.sort(
    (a, b) =>
      b.unknown + b.underReview - (a.unknown + a.underReview) || (a.manufacturer < b.manufacturer ? -1 : 1),
  );
  return { rows: rows.slice(0, limit), total: rows.length };
}

export interface ModelRow {
  manufacturer: string;
  model: string;
  modelNumber: string;
  devices: number;
  devicesWithOpenFindings: number;
  exampleAssetTags: string[];
}

/** Device models with no MDS2 profile, those with open findings first. */
export function modelsLackingMds2(
  input: ReportInput,
  limit: number,
): { rows: ModelRow[]; total: number; profiles: number } {
  const profiles = input.mds2Profiles ?? [];
  const openDevices = new Set(input.findings.filter(isOpen).map((f) => f.deviceId));
  const lacking = modelsWithoutProfile(input.devices, profiles);
  const rows = lacking.map((m): ModelRow => {
    const members = input.devices.filter(
      (d) =>
        d.manufacturer === m.manufacturer &&
        d.model === m.model &&
        d.modelNumber === m.modelNumber &&
        findProfileFor(profiles, d) === null,
    );
    return {
      ...m,
      devicesWithOpenFindings: members.filter((d) => openDevices.has(d.deviceId)).length,
      exampleAssetTags: members.slice(0, 2).map((d) => d.assetTag),
    };
  });
  rows.sort(
    (a, b) =>
      b.devicesWithOpenFindings - a.devicesWithOpenFindings ||
      b.devices - a.devices ||
      (a.manufacturer + a.model < b.manufacturer + b.model ? -1 : 1),
  );
  return { rows: rows.slice(0, limit), total: rows.length, profiles: profiles.length };
}

export interface MitigationRow {
  assetTag: string;
  deviceId: string;
  device: string;
  department: string;
  advisoryId: string;
  validationStatus: string;
  mitigation: 'in place' | 'ordered';
  decision: string | null;
  workOrder?: ReportWorkOrder;
}

/**
 * Devices relying on interim mitigations with no validated patch: findings already MITIGATED, or with an
 * APPLY_MITIGATION work order, whose manufacturer validation is not VALIDATED(_WITH_CONDITIONS).
 */
export function mitigatedWithoutPatch(
  input: ReportInput,
  limit: number,
): { rows: MitigationRow[]; total: number; devices: number } {
  const devices = new Map(input.devices.map((d) => [d.deviceId, d]));
  const orders = new Map<string, ReportWorkOrder>();
  for (const w of input.workOrders)
    for (const tag of w.assetTags) for (const a of w.advisoryIds) orders.set(`${tag}|${a}`, w);
  const rank = (d: string | null) => (d === null ? 99 : DECISIONS.indexOf(d as never));
  const all = input.findings
    .filter(
      (f) =>
        isOpen(f) &&
        !PATCH_VALIDATED.has(f.validationStatus) &&
        (f.remediationState === 'MITIGATED' || f.action === 'APPLY_MITIGATION'),
    )
    .map((f): MitigationRow => {
      const device = devices.get(f.deviceId);
      const workOrder = orders.get(`${f.assetTag}|${f.advisoryId}`);
      return {
        assetTag: f.assetTag,
        deviceId: f.deviceId,
        device: device ? deviceName(device) : f.product,
        department: device?.department ?? '',
        advisoryId: f.advisoryId,
        validationStatus: f.validationStatus,
        mitigation: f.remediationState === 'MITIGATED' ? 'in place' : 'ordered',
        decision: f.decision,
        ...(workOrder ? { workOrder } : {}),
      };
    })
    .sort(
      (a, b) =>
        (a.mitigation === b.mitigation ? 0 : a.mitigation === 'in place' ? -1 : 1) ||
        rank(a.decision) - rank(b.decision) ||
        (a.assetTag + a.advisoryId < b.assetTag + b.advisoryId ? -1 : 1),
    );
  return { rows: all.slice(0, limit), total: all.length, devices: new Set(all.map((r) => r.deviceId)).size };
}

/** Work orders past their due date, most overdue first. */
export function overdueWorkOrders(
  input: ReportInput,
  limit: number,
): { rows: (ReportWorkOrder & { daysOverdue: number })[]; total: number } {
  const now = Date.parse(input.generatedAt);
  const all = input.workOrders
    .map((w) => ({ ...w, daysOverdue: Math.floor((now - Date.parse(w.dueDate)) / DAY_MS) }))
    .filter((w) => Date.parse(w.dueDate) < now)
    .sort((a, b) => b.daysOverdue - a.daysOverdue || a.priority - b.priority);
  return { rows: all.slice(0, limit), total: all.length };
}

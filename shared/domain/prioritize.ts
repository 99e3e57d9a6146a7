import type { CvssScore } from './advisory';
import type { Device } from './device';
import type { DecisionInputs, Prioritization } from './finding';
import {
  assessHumanImpact,
  DEFAULT_HUMAN_IMPACT_MAPPING,
  type Exploitation,
  exposureOf,
  type HumanImpactMapping,
  isAutomatableVector,
  SSVC_DEPLOYER_TABLE_ID,
  SSVC_DEPLOYER_TABLE_VERSION,
  ssvcDecision,
} from './ssvc';
import type { Decision } from './vocabulary';

/** EPSS probability at or above which a CVE counts as public_poc (a 10 % chance of exploitation in 30 days). */
export const DEFAULT_EPSS_THRESHOLD = 0.1;

/** Default SLA in days from detection to due date, per decision. */
export const DEFAULT_SLA_DAYS: Readonly<Record<Decision, number>> = {
  IMMEDIATE: 2,
  OUT_OF_CYCLE: 14,
  SCHEDULED: 60,
  DEFER: 180,
};

export interface PrioritizeInput {
  device: Device;
  cves: readonly string[];
  cvss: readonly CvssScore[];
  /** The advisory reports exploitation or a public exploit. */
  exploitReported: boolean;
  /** CVE ids in the CISA KEV catalog. */
  kevCves: ReadonlySet<string>;
  /** CVE id → EPSS probability (0..1). */
  epss?: ReadonlyMap<string, number>;
  epssThreshold?: number;
  /** A compensating control (segmentation, port block) is confirmed in place for this device. */
  mitigationApplied?: boolean;
  /** How many devices this advisory hits across the estate (ranks within a decision). */
  devicesAffected?: number;
  advisoryReleaseDate?: string;
  humanImpactMapping?: HumanImpactMapping;
  now: string;
}

/**
 * Score weights (sum 100). The score only ranks findings WITHIN a decision; the decision itself comes from the
 * SSVC table. Human impact is already in the decision, so the score measures likelihood and blast radius.
 */
export const SCORE_WEIGHTS = {
  cvss: 35,
  epss: 20,
  exploitation: 20,
  exposure: 10,
  devicesAffected: 10,
  age: 5,
} as const;

const ONE_DAY_MS = 86_400_000;

function maxEpss(cves: readonly string[], epss: ReadonlyMap<string, number> | undefined): number {
  let best = 0;
  for (const cve of cves) {
    const p = epss?.get(cve);
    if (typeof p === 'number' && Number.isFinite(p)) best = Math.max(best, Math.min(1, Math.max(0, p)));
  }
  return best;
}

function exploitationOf(input: PrioritizeInput): { value: Exploitation; why: string } {
  const kev = input.cves.filter((c) => input.kevCves.has(c));
  if (kev.length > 0) return { value: 'active', why: `${kev.join(', ')} in CISA KEV` };
  if (input.exploitReported)
    return { value: 'public_poc', why: 'advisory reports exploitation/public exploit' };
  const threshold = input.epssThreshold ?? DEFAULT_EPSS_THRESHOLD;
  const epss = maxEpss(input.cves, input.epss);
  if (input.epss !== undefined && epss >= threshold && epss > 0) {
    return { value: 'public_poc', why: `EPSS ${epss.toFixed(3)} ≥ ${threshold}` };
  }
  return { value: 'none', why: 'no KEV entry, exploit report or high EPSS' };
}

/** SSVC inputs for one device × advisory, with a short justification of each. */
export function decisionInputsFor(input: PrioritizeInput): { inputs: DecisionInputs; why: string[] } {
  const exploitation = exploitationOf(input);
  const exposure = exposureOf(input.device.networkZone, input.mitigationApplied ?? false);
  const automatableVector = input.cvss.find((s) => isAutomatableVector(s.vectorString));
  const hi = assessHumanImpact(input.device, input.humanImpactMapping ?? DEFAULT_HUMAN_IMPACT_MAPPING);
  return {
    inputs: {
      exploitation: exploitation.value,
      exposure,
      automatable: automatableVector ? 'yes' : 'no',
      humanImpact: hi.humanImpact,
    },
    why: [
      `exploitation ${exploitation.value} (${exploitation.why})`,
      `exposure ${exposure} (zone ${input.device.networkZone || 'unknown'}${input.mitigationApplied ? ', mitigated' : ''})`,
      `automatable ${automatableVector ? 'yes' : 'no'}${automatableVector ? ` (${automatableVector.vectorString})` : ''}`,
      `human impact ${hi.humanImpact} (${hi.because.join(', ')})`,
    ],
  };
}

/** 0–100 rank within a decision from CVSS, EPSS, exploitation, exposure, estate-wide reach and advisory age. */
export function priorityScore(input: PrioritizeInput, inputs: DecisionInputs): number {
  const cvss = Math.max(0, ...input.cvss.map((s) => (Number.isFinite(s.baseScore) ? s.baseScore : 0)));
  const epss = maxEpss(input.cves, input.epss);
  const exploitation = { none: 0, public_poc: 0.5, active: 1 }[inputs.exploitation];
  const exposure = { small: 0, controlled: 0.5, open: 1 }[inputs.exposure];
  const n = Math.max(0, input.devicesAffected ?? 1);
  const reach = Math.min(1, Math.log10(1 + n) / 2); // 99+ devices = full weight
  let age = 0;
  if (input.advisoryReleaseDate) {
    const days = (Date.parse(input.now) - Date.parse(input.advisoryReleaseDate)) / ONE_DAY_MS;
    if (Number.isFinite(days) && days > 0) age = Math.min(1, days / 365);
  }
  const raw =
    SCORE_WEIGHTS.cvss * Math.min(1, cvss / 10) +
    SCORE_WEIGHTS.epss * epss +
    SCORE_WEIGHTS.exploitation * exploitation +
    SCORE_WEIGHTS.exposure * exposure +
    SCORE_WEIGHTS.devicesAffected * reach +
    SCORE_WEIGHTS.age * age;
  return Math.round(Math.min(100, Math.max(0, raw)) * 10) / 10;
}

/** SSVC deployer decision, score and explanation for one device × advisory finding. */
export function prioritizeFinding(input: PrioritizeInput): Prioritization {
  const { inputs, why } = decisionInputsFor(input);
  const decision = ssvcDecision(inputs);
  return {
    decision,
    score: priorityScore(input, inputs),
    inputs,
    tableId: SSVC_DEPLOYER_TABLE_ID,
    tableVersion: SSVC_DEPLOYER_TABLE_VERSION,
    reason: `${decision}: ${why.join('; ')}`,
  };
}

/** CMMS priority: 1 (critical) … 4 (planning). */
export function priorityOf(decision: Decision): 1 | 2 | 3 | 4 {
  switch (decision) {
    case 'IMMEDIATE':
      return 1;
    case 'OUT_OF_CYCLE':
      return 2;
    case 'SCHEDULED':
      return 3;
    case 'DEFER':
      return 4;
  }
}

/** Due date (ISO 8601) = `now` + the decision's SLA in days. Throws on an unreadable `now`. */
export function dueDateFor(
  decision: Decision,
  now: string,
  slaDays: Partial<Readonly<Record<Decision, number>>> = {},
): string {
  const start = Date.parse(now);
  if (Number.isNaN(start)) throw new RangeError(`dueDateFor: "now" is not a date: ${now}`);
  const days = slaDays[decision] ?? DEFAULT_SLA_DAYS[decision];
  return new Date(start + days * ONE_DAY_MS).toISOString();
}

import type { Device } from './device';
import type { DecisionInputs } from './finding';
import {
  SSVC_DEPLOYER_ROWS,
  SSVC_DEPLOYER_TABLE_ID,
  SSVC_DEPLOYER_TABLE_VERSION,
  SSVC_HUMAN_IMPACT_ROWS,
  type SsvcDeployerRow,
  type SsvcHumanImpactRow,
} from './ssvc-deployer-table';
import type { ClinicalCriticality, Decision } from './vocabulary';

/**
 * SSVC deployer decision (CERT/CC "Deployer Patch Application Priority" DT_DP 1.0.0) over the embedded table,
 * plus the hospital-specific mapping from a device to SSVC Human Impact.
 */

export { SSVC_DEPLOYER_TABLE_ID, SSVC_DEPLOYER_TABLE_VERSION };

export type Exploitation = DecisionInputs['exploitation'];
export type Exposure = DecisionInputs['exposure'];
export type Automatable = DecisionInputs['automatable'];
export type HumanImpact = DecisionInputs['humanImpact'];
export type SafetyImpact = SsvcHumanImpactRow['safety'];
export type MissionImpact = SsvcHumanImpactRow['mission'];

/** SSVC outcome names (DSOI 1.0.0) → MedPatch decisions. */
export const SSVC_OUTCOME_TO_DECISION: Readonly<Record<SsvcDeployerRow['outcome'], Decision>> = {
  defer: 'DEFER',
  scheduled: 'SCHEDULED',
  'out-of-cycle': 'OUT_OF_CYCLE',
  immediate: 'IMMEDIATE',
};

const TO_TABLE_EXPLOITATION: Readonly<Record<Exploitation, SsvcDeployerRow['exploitation']>> = {
  none: 'none',
  public_poc: 'public poc',
  active: 'active',
};
const TO_TABLE_HUMAN_IMPACT: Readonly<Record<HumanImpact, SsvcDeployerRow['humanImpact']>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  very_high: 'very high',
};

function deployerKey(e: string, x: string, a: string, h: string): string {
  return `${e}|${x}|${a}|${h}`;
}

const DEPLOYER_INDEX: ReadonlyMap<string, SsvcDeployerRow> = new Map(
  SSVC_DEPLOYER_ROWS.map((r) => [deployerKey(r.exploitation, r.exposure, r.automatable, r.humanImpact), r]),
);

/** The table row for these inputs. The table is complete (72 = 3 × 3 × 2 × 4 rows), so this never misses. */
export function ssvcDeployerRow(inputs: DecisionInputs): SsvcDeployerRow {
  const row = DEPLOYER_INDEX.get(
    deployerKey(
      TO_TABLE_EXPLOITATION[inputs.exploitation],
      inputs.exposure,
      inputs.automatable,
      TO_TABLE_HUMAN_IMPACT[inputs.humanImpact],
    ),
  );
  if (row === undefined) throw new RangeError(`SSVC deployer table has no row for ${JSON.stringify(inputs)}`);
  return row;
}

export function ssvcDecision(inputs: DecisionInputs): Decision {
  return SSVC_OUTCOME_TO_DECISION[ssvcDeployerRow(inputs).outcome];
}

/** SSVC Human Impact from Safety × Mission (DT_HI 1.0.0, the table rather than the disagreeing prose). */
export function humanImpactOf(safety: SafetyImpact, mission: MissionImpact): HumanImpact {
  const row = SSVC_HUMAN_IMPACT_ROWS.find((r) => r.safety === safety && r.mission === mission);
  if (row === undefined)
    throw new RangeError(`SSVC human impact table has no row for ${safety} × ${mission}`);
  return row.humanImpact === 'very high' ? 'very_high' : row.humanImpact;
}

const SAFETY_ORDER: readonly SafetyImpact[] = ['negligible', 'marginal', 'critical', 'catastrophic'];
const MISSION_ORDER: readonly MissionImpact[] = [
  'degraded',
  'mef support crippled',
  'mef failure',
  'mission failure',
];

/**
 * How a hospital device maps to SSVC Safety and Mission Impact. Rules only ever RAISE the baseline from clinical
 * criticality, so a misspelt department or type can never lower a device's impact.
 */
export interface HumanImpactMapping {
  /** Baseline safety impact of a medical device by CMMS clinical criticality ('' = not recorded). */
  safetyByCriticality: Readonly<Record<ClinicalCriticality, SafetyImpact>>;
  /** Baseline mission impact by clinical criticality. */
  missionByCriticality: Readonly<Record<ClinicalCriticality, MissionImpact>>;
  /** Baseline for assets flagged non-medical (the PC in the records office), used when criticality is ''. */
  nonMedical: { safety: SafetyImpact; mission: MissionImpact };
  /** Device types (lower-case substring of deviceType) whose failure can harm a patient directly. */
  deviceTypeFloors: ReadonlyArray<{ contains: string; safety?: SafetyImpact; mission?: MissionImpact }>;
  /** Departments (lower-case substring of department) where losing a device stops an essential function. */
  departmentFloors: ReadonlyArray<{ contains: string; safety?: SafetyImpact; mission?: MissionImpact }>;
}

/**
 * The default mapping. Rationale: life-sustaining devices are catastrophic by definition (→ very high); a medical
 * device with no recorded criticality is treated as "critical safety, degraded mission" (→ medium) rather than
 * low, because missing data must not hide a risk.
 */
export const DEFAULT_HUMAN_IMPACT_MAPPING: HumanImpactMapping = {
  safetyByCriticality: {
    life_sustaining: 'catastrophic',
    high: 'critical',
    medium: 'marginal',
    low: 'negligible',
    '': 'critical',
  },
  missionByCriticality: {
    life_sustaining: 'mef failure',
    high: 'mef support crippled',
    medium: 'mef failure',
    low: 'degraded',
    '': 'degraded',
  },
  nonMedical: { safety: 'negligible', mission: 'degraded' },
  deviceTypeFloors: [
    { contains: 'ventilator', safety: 'catastrophic' },
    { contains: 'defibrillator', safety: 'catastrophic' },
    { contains: 'anesthesia', safety: 'catastrophic' },
    { contains: 'infusion', safety: 'critical' },
    { contains: 'insulin', safety: 'critical' },
    { contains: 'dialysis', safety: 'critical' },
    { contains: 'patient monitor', safety: 'critical', mission: 'mef support crippled' },
    { contains: 'telemetry', safety: 'critical', mission: 'mef support crippled' },
  ],
  departmentFloors: [
    { contains: 'icu', mission: 'mef failure' },
    { contains: 'intensive care', mission: 'mef failure' },
    { contains: 'emergency', mission: 'mef failure' },
    { contains: 'operating', mission: 'mef failure' },
    { contains: 'surgery', mission: 'mef failure' },
    { contains: 'cath lab', mission: 'mef failure' },
  ],
};

function raise<T>(order: readonly T[], current: T, floor: T | undefined): T {
  if (floor === undefined) return current;
  return order.indexOf(floor) > order.indexOf(current) ? floor : current;
}

export interface HumanImpactAssessment {
  humanImpact: HumanImpact;
  safety: SafetyImpact;
  mission: MissionImpact;
  /** Which rules applied, for the decision's reason. */
  because: string[];
}

export function assessHumanImpact(
  device: Pick<Device, 'clinicalCriticality' | 'deviceType' | 'department' | 'isMedicalDevice'>,
  mapping: HumanImpactMapping = DEFAULT_HUMAN_IMPACT_MAPPING,
): HumanImpactAssessment {
  const criticality = device.clinicalCriticality ?? '';
  const because: string[] = [];
  let safety: SafetyImpact;
  let mission: MissionImpact;
  if (device.isMedicalDevice === false && criticality === '') {
    ({ safety, mission } = mapping.nonMedical);
    because.push('non-medical asset');
  } else {
    safety = mapping.safetyByCriticality[criticality];
    mission = mapping.missionByCriticality[criticality];
    because.push(`criticality ${criticality || 'not recorded'}`);
  }
  const type = (device.deviceType ?? '').toLowerCase();
  for (const rule of mapping.deviceTypeFloors) {
    if (rule.contains !== '' && type.includes(rule.contains)) {
      const [s, m] = [raise(SAFETY_ORDER, safety, rule.safety), raise(MISSION_ORDER, mission, rule.mission)];
      if (s !== safety || m !== mission) because.push(`type ${rule.contains}`);
      [safety, mission] = [s, m];
    }
  }
  const department = (device.department ?? '').toLowerCase();
  for (const rule of mapping.departmentFloors) {
    if (rule.contains !== '' && new RegExp(`\\b${escapeRegExp(rule.contains)}\\b`).test(department)) {
      const [s, m] = [raise(SAFETY_ORDER, safety, rule.safety), raise(MISSION_ORDER, mission, rule.mission)];
      if (s !== safety || m !== mission) because.push(`department ${rule.contains}`);
      [safety, mission] = [s, m];
    }
  }
  return { humanImpact: humanImpactOf(safety, mission), safety, mission, because };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses a CVSS vector ("CVSS:3.1/AV:N/AC:L/...", v2 "AV:N/AC:L/Au:N/...", v4) into metric → value. */
export function cvssMetrics(vector: string): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':');
    if (k && v && k !== 'CVSS') metrics.set(k.trim(), v.trim());
  }
  return metrics;
}

/**
 * SSVC Automatable from CVSS: network attack vector, no privileges and no user interaction (v3/v4), or network
 * and no authentication (v2) — the "unauthenticated remote exploit" the SSVC calculator calls "likely yes".
 */
export function isAutomatableVector(vector: string): boolean {
  const m = cvssMetrics(vector);
  if (m.get('AV') !== 'N') return false;
  if (m.has('PR') || m.has('UI')) return m.get('PR') === 'N' && m.get('UI') === 'N';
  return m.get('Au') === 'N';
}

const EXPOSURE_ORDER: readonly Exposure[] = ['small', 'controlled', 'open'];

/** SSVC System Exposure from the CMMS network zone; a mitigation in place lowers it one step (never below small). */
export function exposureOf(
  networkZone: Device['networkZone'] | undefined,
  mitigationApplied = false,
): Exposure {
  const base: Exposure =
    networkZone === 'isolated' || networkZone === 'segmented'
      ? 'small'
      : networkZone === 'internet_facing'
        ? 'open'
        : 'controlled';
  if (!mitigationApplied) return base;
  return EXPOSURE_ORDER[Math.max(0, EXPOSURE_ORDER.indexOf(base) - 1)] ?? 'small';
}

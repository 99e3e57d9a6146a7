import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CvssScore } from '../../shared/domain/advisory';
import type { DecisionInputs } from '../../shared/domain/finding';
import {
  DEFAULT_SLA_DAYS,
  dueDateFor,
  type PrioritizeInput,
  prioritizeFinding,
  priorityOf,
} from '../../shared/domain/prioritize';
import {
  assessHumanImpact,
  DEFAULT_HUMAN_IMPACT_MAPPING,
  exposureOf,
  humanImpactOf,
  isAutomatableVector,
  SSVC_OUTCOME_TO_DECISION,
  ssvcDecision,
} from '../../shared/domain/ssvc';
import {
  SSVC_DEPLOYER_ROWS,
  SSVC_DEPLOYER_TABLE_ID,
  SSVC_DEPLOYER_TABLE_VERSION,
  SSVC_HUMAN_IMPACT_ROWS,
} from '../../shared/domain/ssvc-deployer-table';
import { aDevice, NOW } from './domain-builders';

const root = join(import.meta.dirname, '..', '..');

function csvRows(path: string): string[][] {
  return readFileSync(join(root, path), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

const deployerCsv = csvRows('data/ssvc/deployer_patch_application_priority_1_0_0.csv');
const humanImpactCsv = csvRows('data/ssvc/human_impact_1_0_0.csv');

const toExploitation: Record<string, DecisionInputs['exploitation']> = {
  none: 'none',
  'public poc': 'public_poc',
  active: 'active',
};
const toHumanImpact: Record<string, DecisionInputs['humanImpact']> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  'very high': 'very_high',
};
const toDecision: Record<string, string> = {
  defer: 'DEFER',
  scheduled: 'SCHEDULED',
  'out-of-cycle': 'OUT_OF_CYCLE',
  immediate: 'IMMEDIATE',
};

describe('SSVC deployer table conformance (data/ssvc CSV read in the test)', () => {
  it('embeds exactly the 72 rows of the CSV, in order', () => {
    expect(deployerCsv).toHaveLength(72);
    expect(SSVC_DEPLOYER_ROWS).toHaveLength(72);
    expect(
      SSVC_DEPLOYER_ROWS.map((r) => [
        String(r.row),
        r.exploitation,
        r.exposure,
        r.automatable,
        r.humanImpact,
        r.outcome,
      ]),
    ).toEqual(deployerCsv);
  });

  it.each(deployerCsv)('row %s: %s / %s / automatable %s / HI %s → %s', (_row, e, x, a, h, outcome) => {
    const inputs = {
      exploitation: toExploitation[e ?? ''],
      exposure: x,
      automatable: a,
      humanImpact: toHumanImpact[h ?? ''],
    } as DecisionInputs;

    expect(ssvcDecision(inputs)).toBe(toDecision[outcome ?? '']);
  });

  it('keeps the table id and version of the CSV', () => {
    expect(SSVC_DEPLOYER_TABLE_ID).toBe('ssvc:DT_DP');
    expect(SSVC_DEPLOYER_TABLE_VERSION).toBe('1.0.0');
  });

  it('maps every SSVC outcome name to a decision', () => {
    expect(Object.values(SSVC_OUTCOME_TO_DECISION).sort()).toEqual([
      'DEFER',
      'IMMEDIATE',
      'OUT_OF_CYCLE',
      'SCHEDULED',
    ]);
  });

  it('embeds the 16-row human impact table and applies it', () => {
    expect(SSVC_HUMAN_IMPACT_ROWS.map((r) => [String(r.row), r.safety, r.mission, r.humanImpact])).toEqual(
      humanImpactCsv,
    );
    for (const [, safety, mission, hi] of humanImpactCsv) {
      expect(humanImpactOf(safety as never, mission as never)).toBe(toHumanImpact[hi ?? '']);
    }
  });
});

describe('SSVC inputs from device and advisory facts', () => {
  it.each([
    ['isolated', false, 'small'],
    ['segmented', false, 'small'],
    ['clinical_lan', false, 'controlled'],
    ['enterprise', false, 'controlled'],
    ['', false, 'controlled'],
    ['internet_facing', false, 'open'],
    ['internet_facing', true, 'controlled'],
    ['clinical_lan', true, 'small'],
    ['isolated', true, 'small'],
  ] as const)('network zone "%s" with mitigation %s is exposure %s', (zone, mitigated, expected) => {
    expect(exposureOf(zone, mitigated)).toBe(expected);
  });

  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', true],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', false],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', false],
    ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', false],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', true],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', true],
    ['', false],
  ])('vector %s automatable: %s', (vector, expected) => {
    expect(isAutomatableVector(vector)).toBe(expected);
  });

  it.each([
    ['life_sustaining', 'very_high'],
    ['high', 'high'],
    ['medium', 'medium'],
    ['low', 'low'],
    ['', 'medium'],
  ] as const)(
    'clinical criticality "%s" gives human impact %s (no type/department rules)',
    (criticality, hi) => {
      const device = aDevice({
        clinicalCriticality: criticality,
        deviceType: 'lab analyzer',
        department: 'Laboratory',
      });
      expect(assessHumanImpact(device).humanImpact).toBe(hi);
    },
  );

  it('raises human impact for a ventilator and never lowers it for a benign department', () => {
    expect(
      assessHumanImpact(aDevice({ clinicalCriticality: 'low', deviceType: 'Ventilator', department: '' }))
        .humanImpact,
    ).toBe('very_high');
    expect(
      assessHumanImpact(aDevice({ clinicalCriticality: 'high', deviceType: 'x', department: 'Records' }))
        .humanImpact,
    ).toBe('high');
  });

  it('follows a custom mapping table', () => {
    const mapping = {
      ...DEFAULT_HUMAN_IMPACT_MAPPING,
      departmentFloors: [{ contains: 'nicu', safety: 'catastrophic' as const }],
    };
    const device = aDevice({ clinicalCriticality: 'low', deviceType: 'incubator', department: 'NICU' });

    expect(assessHumanImpact(device).humanImpact).toBe('low');
    expect(assessHumanImpact(device, mapping)).toMatchObject({
      humanImpact: 'very_high',
      safety: 'catastrophic',
    });
  });

  it('rates a non-medical asset with no criticality low', () => {
    const device = aDevice({
      isMedicalDevice: false,
      clinicalCriticality: '',
      deviceType: 'workstation',
      department: '',
    });
    expect(assessHumanImpact(device).humanImpact).toBe('low');
  });
});

const kev = JSON.parse(readFileSync(join(root, 'data/kev/known_exploited_vulnerabilities.json'), 'utf8')) as {
  vulnerabilities: Array<{ cveID: string }>;
};
const kevCves: ReadonlySet<string> = new Set(kev.vulnerabilities.map((v) => v.cveID));
const NETWORK_RCE: CvssScore = {
  version: '3.1',
  baseScore: 9.8,
  vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
};

function input(overrides: Partial<PrioritizeInput> = {}): PrioritizeInput {
  return {
    device: aDevice({ clinicalCriticality: 'life_sustaining', networkZone: 'internet_facing' }),
    cves: ['CVE-2099-0001'],
    cvss: [NETWORK_RCE],
    exploitReported: false,
    kevCves,
    now: NOW,
    ...overrides,
  };
}

describe('prioritizeFinding', () => {
  it('treats a KEV-listed CVE (real catalog) as active exploitation: IMMEDIATE for an open, automatable, life-sustaining device', () => {
    expect(kevCves.has('CVE-2025-48384')).toBe(true);

    const p = prioritizeFinding(input({ cves: ['CVE-2025-48384'] }));

    expect(p.inputs).toEqual({
      exploitation: 'active',
      exposure: 'open',
      automatable: 'yes',
      humanImpact: 'very_high',
    });
    expect(p.decision).toBe('IMMEDIATE');
    expect(p.tableId).toBe('ssvc:DT_DP');
    expect(p.tableVersion).toBe('1.0.0');
    expect(p.reason).toContain('CVE-2025-48384 in CISA KEV');
  });

  it('treats an exploit report or EPSS at the threshold as public_poc, and below it as none', () => {
    expect(prioritizeFinding(input({ exploitReported: true })).inputs.exploitation).toBe('public_poc');
    const epss = new Map([['CVE-2099-0001', 0.1]]);
    expect(prioritizeFinding(input({ epss })).inputs.exploitation).toBe('public_poc');
    expect(prioritizeFinding(input({ epss, epssThreshold: 0.5 })).inputs.exploitation).toBe('none');
    expect(prioritizeFinding(input()).inputs.exploitation).toBe('none');
  });

  it('lowers exposure by one step when a mitigation is applied', () => {
    const p = prioritizeFinding(input({ cves: ['CVE-2025-48384'], mitigationApplied: true }));
    expect(p.inputs.exposure).toBe('controlled');
    expect(p.decision).toBe('OUT_OF_CYCLE');
  });

  it('scores within 0..100, and higher with KEV, EPSS, more devices and more exposure', () => {
    const low = prioritizeFinding(
      input({
        cvss: [
          { version: '3.1', baseScore: 2, vectorString: 'CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N' },
        ],
        device: aDevice({ networkZone: 'isolated' }),
      }),
    );
    const high = prioritizeFinding(
      input({
        cves: ['CVE-2025-48384'],
        epss: new Map([['CVE-2025-48384', 0.97]]),
        devicesAffected: 250,
        advisoryReleaseDate: '2023-01-01',
      }),
    );
    expect(low.score).toBeGreaterThanOrEqual(0);
    expect(high.score).toBeLessThanOrEqual(100);
    expect(high.score).toBeGreaterThan(low.score + 50);
  });
});

describe('priorityOf and dueDateFor', () => {
  it.each([
    ['IMMEDIATE', 1, '2025-06-03T12:00:00.000Z'],
    ['OUT_OF_CYCLE', 2, '2025-06-15T12:00:00.000Z'],
    ['SCHEDULED', 3, '2025-07-31T12:00:00.000Z'],
    ['DEFER', 4, '2025-11-28T12:00:00.000Z'],
  ] as const)('%s → priority %d, due %s', (decision, priority, due) => {
    expect(priorityOf(decision)).toBe(priority);
    expect(dueDateFor(decision, NOW)).toBe(due);
  });

  it('uses configured SLA days and falls back to the defaults', () => {
    expect(dueDateFor('IMMEDIATE', NOW, { IMMEDIATE: 1 })).toBe('2025-06-02T12:00:00.000Z');
    expect(dueDateFor('SCHEDULED', NOW, { IMMEDIATE: 1 })).toBe(
      new Date(Date.parse(NOW) + DEFAULT_SLA_DAYS.SCHEDULED * 86_400_000).toISOString(),
    );
  });

  it('rejects an unreadable now', () => {
    expect(() => dueDateFor('DEFER', 'soon')).toThrow(RangeError);
  });
});

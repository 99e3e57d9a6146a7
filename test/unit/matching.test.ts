import { describe, expect, it } from 'vitest';
import type { Advisory } from '../../shared/domain/advisory';
import { parseCsafDocument } from '../../shared/domain/csaf/parse-csaf';
import {
  advisoryManufacturerKeys,
  buildAdvisoryIndex,
  candidateAdvisoriesFor,
  deviceManufacturerKey,
  matchDeviceToAdvisory,
} from '../../shared/domain/matching';
import type { MatchConfidence } from '../../shared/domain/vocabulary';
import { csafFiles, device, loadAdvisory, readCsafJson } from './csaf-fixtures';

function allAdvisories(folder: 'icsma' | 'icsa'): Advisory[] {
  return csafFiles(folder).flatMap((file) => {
    const result = parseCsafDocument(readCsafJson(file));
    return result.ok ? [result.advisory] : [];
  });
}

const spacelabs = loadAdvisory('icsma/icsma-20-049-01');

describe('matchDeviceToAdvisory on ICSMA-20-049-01 (Spacelabs XTR 96280 v1.0.2)', () => {
  it('confirms a device with the model number and an affected version', () => {
    const xtr = device({
      deviceId: 'csv:XTR-1',
      manufacturer: 'Spacelabs Healthcare',
      model: 'Xhibit Telemetry Receiver',
      modelNumber: '96280',
      softwareVersion: '1.0.2',
    });
    const match = matchDeviceToAdvisory(xtr, spacelabs);
    expect(match).toEqual({
      deviceId: 'csv:XTR-1',
      advisoryId: 'ICSMA-20-049-01',
      confidence: 'confirmed',
      cves: ['CVE-2019-0708'],
      reason: {
        productId: 'CSAFPID-0004',
        productFullName: 'Xhibit Telemetry Receiver (XTR) Model number 96280: v1.0.2',
        productRule: 'model number 96280',
        versionRule: '1.0.2 in 1.0.2',
      },
    });
  });

  it('reports no finding when the device version is outside the affected versions', () => {
    const patched = device({
      deviceId: 'x2',
      manufacturer: 'Spacelabs',
      model: 'XTR',
      modelNumber: '96280',
      softwareVersion: 'v1.2.1',
    });
    expect(matchDeviceToAdvisory(patched, spacelabs)).toBeNull();
  });

  it('is probable when the device version is unknown', () => {
    const unknownVersion = device({
      deviceId: 'x3',
      manufacturer: 'Spacelabs',
      model: 'Xhibit Telemetry Receiver (XTR)',
    });
    const match = matchDeviceToAdvisory(unknownVersion, spacelabs);
    expect(match?.confidence).toBe('probable');
    expect(match?.reason.productRule).toBe('name tokens xhibit telemetry receiver');
    expect(match?.reason.versionRule).toMatch(/device version unknown/);
  });

  it('identifies the product by its parenthesised synonym', () => {
    const bySynonym = device({
      deviceId: 'x4',
      manufacturer: 'Spacelabs',
      model: 'XTR receiver',
      softwareVersion: '1.0.2',
    });
    const match = matchDeviceToAdvisory(bySynonym, spacelabs);
    expect(match?.confidence).toBe('confirmed');
    expect(match?.reason.productRule).toBe('synonym xtr');
  });

  it('does not match another product of the same line; a record naming only the line is possible', () => {
    const otherProduct = device({
      deviceId: 'x5',
      manufacturer: 'Spacelabs',
      model: 'Qube Mini Monitor',
      softwareVersion: '3.1',
    });
    expect(matchDeviceToAdvisory(otherProduct, spacelabs)).toBeNull();
    // "Xhibit Central Station" and "Xhibit Telemetry Receiver" share the line name but each names its own product.
    const sibling = device({ deviceId: 'x6', manufacturer: 'Spacelabs', model: 'Xhibit Central Station' });
    expect(matchDeviceToAdvisory(sibling, spacelabs)).toBeNull();
    const lineOnly = device({ deviceId: 'x6b', manufacturer: 'Spacelabs', model: 'Xhibit' });
    const match = matchDeviceToAdvisory(lineOnly, spacelabs);
    expect(match?.confidence).toBe('possible');
    expect(match?.reason.productRule).toBe('similar name: shares xhibit');
  });

  it('matches the listed Windows products only when the device names that operating system', () => {
    const plainWorkstation = device({
      deviceId: 'x7',
      manufacturer: 'Spacelabs',
      model: 'Sentinel workstation',
      softwareVersion: '10.5',
    });
    expect(matchDeviceToAdvisory(plainWorkstation, spacelabs)).toBeNull();
    const windows7 = device({
      deviceId: 'x8',
      manufacturer: 'Spacelabs',
      model: 'Sentinel workstation',
      softwareVersion: '10.5',
      deviceType: 'Windows 7 PC',
    });
    const match = matchDeviceToAdvisory(windows7, spacelabs);
    expect(match?.confidence).toBe('confirmed');
    expect(match?.reason.productRule).toBe('operating system windows 7 named by the device');
    expect(match?.reason.versionRule).toBe('all versions');
  });

  it('never matches a device of another manufacturer', () => {
    const other = device({
      deviceId: 'x9',
      manufacturer: 'GE Healthcare',
      model: 'Xhibit Telemetry Receiver',
      softwareVersion: '1.0.2',
    });
    expect(matchDeviceToAdvisory(other, spacelabs)).toBeNull();
  });
});

interface LabelledDevice {
  label: string;
  device: Parameters<typeof device>[0];
  advisory: string;
  expected: MatchConfidence | null;
}

/** Hand-labelled devices, each checked against a real advisory. */
const LABELLED: LabelledDevice[] = [
  {
    label: 'BD Alaris PC Unit 8015 v9.19 (CareFusion in the CMMS) is inside <= 9.33.1',
    device: {
      deviceId: 'a1',
      manufacturer: 'CareFusion',
      model: 'Alaris PC Unit',
      modelNumber: '8015',
      softwareVersion: '9.19',
    },
    advisory: 'icsma/icsma-20-317-01',
    expected: 'confirmed',
  },
  {
    label: 'BD Alaris PC Unit 8015 v12.1 is outside <= 9.33.1',
    device: {
      deviceId: 'a2',
      manufacturer: 'BD',
      model: 'Alaris PC Unit',
      modelNumber: '8015',
      softwareVersion: '12.1.0',
    },
    advisory: 'icsma/icsma-20-317-01',
    expected: null,
  },
  {
    label: 'BD Alaris PC Unit 8000 (another model number) is another product: no finding',
    device: {
      deviceId: 'a3',
      manufacturer: 'Becton Dickinson',
      model: 'Alaris PC Unit 8000',
      softwareVersion: '9.1',
    },
    advisory: 'icsma/icsma-20-317-01',
    expected: null,
  },
  {
    label: 'Philips IntelliVue MX450 falls in the MX400-MX850 model range; revision M is within "<=N"',
    device: {
      deviceId: 'p1',
      manufacturer: 'Philips Healthcare',
      model: 'IntelliVue MX450',
      softwareVersion: 'M.00.03',
    },
    advisory: 'icsma/icsma-20-254-01',
    expected: 'confirmed',
  },
  {
    label: 'Medtronic MiniMed 630G MMT-1754 (model id in the version branch)',
    device: { deviceId: 'm1', manufacturer: 'Medtronic', model: 'MiniMed 630G', modelNumber: 'MMT-1754' },
    advisory: 'icsma/icsma-22-263-01',
    expected: 'probable',
  },
  {
    label: 'Welch Allyn Connex Spot Monitor 1.40 is confirmed in the Hillrom advisory',
    device: {
      deviceId: 'w1',
      manufacturer: 'Welch Allyn',
      model: 'Connex Spot Monitor',
      softwareVersion: '1.40',
    },
    advisory: 'icsma/icsma-21-152-01',
    expected: 'confirmed',
  },
  {
    label:
      'Welch Allyn Connex Spot Monitor 1.40 is confirmed in the later Baxter advisory (corporate family)',
    device: {
      deviceId: 'w2',
      manufacturer: 'Hill-Rom',
      model: 'Connex Spot Monitor',
      softwareVersion: '1.40',
    },
    advisory: 'icsma/icsma-24-151-02',
    expected: 'confirmed',
  },
  {
    label: 'Welch Allyn Connex Spot Monitor 1.60 is outside <= 1.52',
    device: {
      deviceId: 'w3',
      manufacturer: 'Welch Allyn',
      model: 'Connex Spot Monitor',
      softwareVersion: '1.60',
    },
    advisory: 'icsma/icsma-24-151-02',
    expected: null,
  },
  {
    label: 'B. Braun Battery Pack SP with WiFi L80 is inside <= L81',
    device: {
      deviceId: 'b1',
      manufacturer: 'B. Braun Medical Inc.',
      model: 'Battery Pack SP with WiFi',
      softwareVersion: 'L80',
    },
    advisory: 'icsma/icsma-21-294-01',
    expected: 'confirmed',
  },
  {
    label: 'Baxter Sigma Spectrum 35700BAX2 with a free-text version is probable',
    device: {
      deviceId: 's1',
      manufacturer: 'Baxter Healthcare',
      model: 'Sigma Spectrum',
      modelNumber: '35700BAX2',
      softwareVersion: '8.00.01',
    },
    advisory: 'icsma/icsma-22-251-01',
    expected: 'probable',
  },
  {
    label: 'Phillips spelling of Philips matches IntelliSpace Portal',
    device: {
      deviceId: 'p2',
      manufacturer: 'Phillips',
      model: 'IntelliSpace Portal',
      softwareVersion: '7.0.1',
    },
    advisory: 'icsma/icsma-18-058-02',
    expected: 'confirmed',
  },
];

describe('matchDeviceToAdvisory on hand-labelled devices', () => {
  it.each(LABELLED)('$label', ({ device: input, advisory, expected }) => {
    const match = matchDeviceToAdvisory(device(input), loadAdvisory(advisory));
    expect(match?.confidence ?? null).toBe(expected);
    if (match) expect(match.cves.length).toBeGreaterThan(0);
  });
});

describe('ICSA (non-medical) advisories', () => {
  it('do not match medical devices of other vendors', () => {
    const icsa = allAdvisories('icsa');
    const medicalDevices = LABELLED.map((entry) => device(entry.device));
    const matches = icsa.flatMap((advisory) =>
      medicalDevices.map((d) => matchDeviceToAdvisory(d, advisory)).filter((m) => m !== null),
    );
    expect(icsa).toHaveLength(5);
    expect(matches).toEqual([]);
  });
});

describe('advisory index', () => {
  const corpus = [...allAdvisories('icsma'), ...allAdvisories('icsa')];
  const index = buildAdvisoryIndex(corpus);

  it('returns every advisory the matcher would match, from a small candidate set', () => {
    for (const entry of LABELLED) {
      const d = device(entry.device);
      const candidates = candidateAdvisoriesFor(index, d);
      const matchedAll = corpus.filter((a) => matchDeviceToAdvisory(d, a) !== null).map((a) => a.advisoryId);
      const matchedCandidates = candidates
        .filter((a) => matchDeviceToAdvisory(d, a) !== null)
        .map((a) => a.advisoryId);
      expect(matchedCandidates.sort(), entry.label).toEqual(matchedAll.sort());
      expect(candidates.length).toBeLessThan(corpus.length / 4);
    }
  });

  it('returns nothing for a manufacturer without advisories', () => {
    expect(
      candidateAdvisoriesFor(index, device({ deviceId: 'z', manufacturer: 'Zeta Pumps', model: 'Z1' })),
    ).toEqual([]);
  });

  it('exposes manufacturer keys for storage indexing', () => {
    expect(deviceManufacturerKey(device({ deviceId: 'k', manufacturer: 'General Electric (GE)' }))).toBe(
      'ge-healthcare',
    );
    expect(advisoryManufacturerKeys(spacelabs)).toEqual(['spacelabs']);
    expect(advisoryManufacturerKeys(loadAdvisory('icsma/icsma-19-274-01'))).toEqual([
      'enea',
      'green-hills-software',
      'ip-infusion',
      'itron',
      'wind-river',
    ]);
  });
});

describe('products without a known vendor', () => {
  it('never match a device whose manufacturer is recorded as unknown', () => {
    const result = parseCsafDocument({
      document: {
        title: 'No vendor',
        publisher: { category: 'other', name: 'X', namespace: 'https://x.example' },
        tracking: {
          id: 'X-1',
          version: '1',
          initial_release_date: '2024-01-01',
          current_release_date: '2024-01-01',
        },
      },
      product_tree: { full_product_names: [{ product_id: 'P1', name: 'Mystery Pump 2000' }] },
      vulnerabilities: [{ cve: 'CVE-2024-0002', product_status: { known_affected: ['P1'] } }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.advisory.products[0]?.manufacturerKey).toBe('unknown');
    const d = device({ deviceId: 'u', manufacturer: 'Unknown', model: 'Mystery Pump 2000' });
    expect(matchDeviceToAdvisory(d, result.advisory)).toBeNull();
  });
});

describe('model-number evidence (the demo weakness of ICSMA-19-255-01)', () => {
  const wlan = loadAdvisory('icsma/icsma-19-255-01');

  it('identifies an IntelliVue MX800 recorded with model number 865240 by its model number, not as possible', () => {
    const mx800 = device({
      deviceId: 'mx800',
      manufacturer: 'Philips Healthcare',
      model: 'IntelliVue MX800',
      modelNumber: '865240',
      softwareVersion: 'M.00.03',
    });
    const match = matchDeviceToAdvisory(mx800, wlan);
    // The affected versions are the WLAN module's ("Version B, Firmware A.01.09"): free text, so probable.
    expect(match?.confidence).toBe('probable');
    expect(match?.reason.productId).toBe('CSAFPID-0001');
    expect(match?.reason.productRule).toMatch(/^model number (mx800|865240)$/);
  });

  it('expands abbreviated model lists item by item ("…/MX700/800" names the MX800)', () => {
    const mx800 = device({ deviceId: 'mx800b', manufacturer: 'Philips', model: 'IntelliVue MX800' });
    const match = matchDeviceToAdvisory(mx800, loadAdvisory('icsma/icsma-18-156-01'));
    expect(match?.reason.productId).toBe('CSAFPID-0003');
    expect(match?.reason.productRule).toBe('model number mx800');
  });
});

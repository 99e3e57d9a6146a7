import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CATALOG } from '../../local/demo/catalog';
import { generateDemoHospital, seedDemoHospital } from '../../local/demo/hospital';
import { type ServiceNowSimulator, startServiceNowSimulator } from '../../local/servicenow-sim/index';

const CORPUS_DIR = join(import.meta.dirname, '../../data/csaf/icsma');
const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

interface CsafBranch {
  category?: string;
  name?: string;
  branches?: CsafBranch[];
}

function productNames(branches: CsafBranch[] | undefined, out = new Set<string>()): Set<string> {
  for (const branch of branches ?? []) {
    if (branch.category === 'product_name' && branch.name !== undefined) out.add(branch.name);
    productNames(branch.branches, out);
  }
  return out;
}

function readAdvisory(id: string): { trackingId: string; products: Set<string> } {
  const document = JSON.parse(readFileSync(join(CORPUS_DIR, `${id.toLowerCase()}.json`), 'utf8')) as {
    document: { tracking: { id: string } };
    product_tree?: { branches?: CsafBranch[] };
  };
  return {
    trackingId: document.document.tracking.id,
    products: productNames(document.product_tree?.branches),
  };
}

describe('generateDemoHospital', () => {
  it('is deterministic for a given seed and differs for another seed', () => {
    const first = generateDemoHospital({ devices: 2000, seed: 11 });
    const again = generateDemoHospital({ devices: 2000, seed: 11 });
    const other = generateDemoHospital({ devices: 2000, seed: 12 });

    expect(again).toEqual(first);
    expect(other.devices.map((device) => device.model_id)).not.toEqual(
      first.devices.map((device) => device.model_id),
    );
  });

  it('produces at least 2000 devices with unique asset tags in the MP-000123 form', () => {
    const hospital = generateDemoHospital({ devices: 2100, seed: 3 });
    const tags = hospital.devices.map((device) => device.asset_tag);

    expect(hospital.devices).toHaveLength(2100);
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags.every((tag) => /^MP-\d{6}$/.test(tag))).toBe(true);
  });

  it('refuses fewer than 2000 devices', () => {
    expect(() => generateDemoHospital({ devices: 1999, seed: 1 })).toThrow(/at least 2000/);
  });

  it('mixes versions inside and outside advisory ranges with roughly 30% no-advisory devices', () => {
    const { devices } = generateDemoHospital({ devices: 3000, seed: 5 });
    const share = (predicate: (device: (typeof devices)[number]) => boolean) =>
      devices.filter(predicate).length / devices.length;

    expect(share((device) => device.expected.advisoryId === undefined)).toBeGreaterThan(0.25);
    expect(share((device) => device.expected.advisoryId === undefined)).toBeLessThan(0.35);
    expect(share((device) => device.expected.versionAffected === true)).toBeGreaterThan(0.2);
    expect(share((device) => device.expected.versionAffected === false)).toBeGreaterThan(0.1);
    expect(share((device) => device.install_status === '1')).toBeGreaterThan(0.8);
    expect(new Set(devices.map((device) => device.u_network_zone)).size).toBe(5);
  });

  it('records several spellings of the same manufacturer, as a CMMS does', () => {
    const { devices } = generateDemoHospital({ devices: 2000, seed: 9 });
    const philips = new Set(
      devices.filter((device) => device.model_id.includes('IntelliVue')).map((device) => device.manufacturer),
    );

    expect(philips.size).toBeGreaterThan(1);
  });
});

describe('catalog against the real ICSMA corpus', () => {
  const advisoryEntries = DEVICE_CATALOG.filter((entry) => entry.advisory !== undefined);

  it('represents at least 10 distinct advisories, each an existing file whose product tree names the product', () => {
    const ids = new Set(advisoryEntries.map((entry) => entry.advisory?.id ?? ''));

    expect(ids.size).toBeGreaterThanOrEqual(10);
    for (const entry of advisoryEntries) {
      const advisory = readAdvisory(entry.advisory?.id ?? '');
      expect(advisory.trackingId).toBe(entry.advisory?.id);
      expect(advisory.products).toContain(entry.advisory?.productName);
    }
  });

  it('gives every advisory entry affected versions and most of them versions outside the range', () => {
    const withFixedVersions = advisoryEntries.filter((entry) => entry.unaffectedVersions.length > 0);

    expect(advisoryEntries.every((entry) => entry.affectedVersions.length > 0)).toBe(true);
    expect(withFixedVersions.length / advisoryEntries.length).toBeGreaterThan(0.6);
  });

  it('uses no-advisory products that no advisory mentions, and manufacturers none mentions unless flagged', () => {
    const corpus = readdirSync(CORPUS_DIR)
      .filter((file) => file.endsWith('.json'))
      .map((file) => readFileSync(join(CORPUS_DIR, file), 'utf8').toLowerCase());
    const mentioned = (text: string) => corpus.some((document) => document.includes(text.toLowerCase()));

    for (const entry of DEVICE_CATALOG.filter((candidate) => candidate.advisory === undefined)) {
      expect(mentioned(entry.model), entry.model).toBe(false);
      expect(mentioned(entry.manufacturer), entry.manufacturer).toBe(
        entry.manufacturerHasOtherAdvisories ?? false,
      );
    }
  });
});

describe('seedDemoHospital', () => {
  let sim: ServiceNowSimulator | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('seeds 2000+ devices with references that resolve over HTTP', async () => {
    const hospital = generateDemoHospital({ devices: 2000, seed: 21 });
    sim = await startServiceNowSimulator({ seed: 21 });

    await seedDemoHospital(sim, hospital);
    const first = hospital.devices[0];
    const response = await fetch(
      `${sim.url}/api/now/table/cmdb_ci_med_device?sysparm_display_value=all&sysparm_limit=1` +
        `&sysparm_query=asset_tag=${first?.asset_tag}&sysparm_fields=asset_tag,manufacturer,model_id,location,department`,
      { headers: { Authorization: BASIC, Accept: 'application/json' } },
    );
    const [row] = (
      (await response.json()) as { result: Record<string, { display_value: string; value: string }>[] }
    ).result;

    expect(sim.list('cmdb_ci_med_device')).toHaveLength(2000);
    expect(response.headers.get('x-total-count')).toBe('1');
    expect(row?.manufacturer?.display_value).toBe(first?.manufacturer);
    expect(row?.manufacturer?.value).toMatch(/^[0-9a-f]{32}$/);
    expect(row?.model_id?.display_value).toBe(first?.model_id);
    expect(row?.location?.display_value).toBe(first?.location);
    expect(row?.department?.display_value).toBe(first?.department);
  });

  it('connects monitors to central stations with "Connects to::Connected by" relationships', async () => {
    const hospital = generateDemoHospital({ devices: 2000, seed: 21 });
    sim = await startServiceNowSimulator();

    await seedDemoHospital(sim, hospital);
    const relationships = sim.list('cmdb_rel_ci');
    const station = sim.get('cmdb_ci', relationships[0]?.child ?? '');

    expect(hospital.relationships.length).toBeGreaterThan(0);
    expect(relationships).toHaveLength(hospital.relationships.length);
    expect(station?.sys_class_name).toBe('cmdb_ci_med_patient_monitoring');
    expect(['Central Station', 'Telemetry Server']).toContain(station?.u_device_type);
  });
});

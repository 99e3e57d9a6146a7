import { describe, expect, it } from 'vitest';
import { ingestAdvisories } from '../../shared/application/ingest-advisories';
import type { MatchMessage } from '../../shared/application/messages';
import type { Advisory } from '../../shared/domain/advisory';
import { isManualAdvisoryDocument, parseManualAdvisory } from '../../shared/domain/manual-advisory';
import { matchDeviceToAdvisory } from '../../shared/domain/matching';
import { candidatePatchFor, interimGuidanceFor } from '../../shared/domain/planning';
import { device, loadAdvisory } from './csaf-fixtures';

const ecri = {
  source: 'manual',
  advisoryId: 'ECRI-H0999',
  title: 'Alaris PC unit: unauthenticated network access',
  kind: 'ecri_alert',
  publisherName: 'ECRI',
  version: '2',
  releaseDate: '2025-08-20',
  products: [
    { manufacturer: 'CareFusion', product: 'Alaris PC Unit', modelNumbers: ['8015'], versions: '<= 9.33.1' },
  ],
  vulnerabilities: [{ cve: 'CVE-2020-25165', exploitReported: false }],
  remediations: [
    { category: 'mitigation', details: 'Isolate the pumps on a dedicated VLAN.' },
    { category: 'vendor_fix', details: 'Upgrade the PC unit to 12.1.1.' },
  ],
};

describe('manual advisories (ECRI alert, H-ISAC notice, manufacturer letter)', () => {
  it('normalizes into the same product/version model as CSAF', () => {
    const result = parseManualAdvisory(ecri);
    expect(result.ok).toBe(true);
    const advisory = (result as { advisory: Advisory }).advisory;
    expect(advisory).toMatchObject({
      advisoryId: 'ECRI-H0999',
      source: 'manual',
      publisherCategory: 'ecri_alert',
      trackingVersion: '2',
      initialReleaseDate: '2025-08-20T00:00:00Z',
    });
    expect(advisory.products[0]).toMatchObject({
      productId: 'MANUAL-1',
      manufacturerKey: 'bd',
      productName: 'Alaris PC Unit',
      modelNumbers: ['8015'],
      versionSpec: { raw: '<= 9.33.1', kind: 'range' },
    });
    expect(advisory.vulnerabilities[0]?.affectedProductIds).toEqual(['MANUAL-1']);
  });

  it('is matched like a CSAF advisory: in range confirmed, outside range no finding', () => {
    const advisory = (parseManualAdvisory(ecri) as { advisory: Advisory }).advisory;
    const inside = device({
      deviceId: 'p1',
      manufacturer: 'BD',
      model: 'Alaris PC Unit',
      modelNumber: '8015',
      softwareVersion: '9.19.2',
    });
    const outside = device({
      deviceId: 'p2',
      manufacturer: 'BD',
      model: 'Alaris PC Unit',
      modelNumber: '8015',
      softwareVersion: '12.1.1',
    });
    expect(matchDeviceToAdvisory(inside, advisory)).toMatchObject({
      confidence: 'confirmed',
      cves: ['CVE-2020-25165'],
    });
    expect(matchDeviceToAdvisory(outside, advisory)).toBeNull();
  });

  it('turns mitigation into interim guidance and vendor_fix into the candidate patch', () => {
    const advisory = (parseManualAdvisory(ecri) as { advisory: Advisory }).advisory;
    expect(interimGuidanceFor(advisory, 'MANUAL-1')).toEqual(['Isolate the pumps on a dedicated VLAN.']);
    expect(candidatePatchFor(advisory, 'MANUAL-1')).toEqual(['Upgrade the PC unit to 12.1.1.']);
  });

  it('names every invalid field', () => {
    const result = parseManualAdvisory({
      ...ecri,
      advisoryId: 'bad id!',
      kind: 'blog',
      products: [{ manufacturer: 'BD' }],
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.some((e) => e.startsWith('advisoryId: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('kind: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('products.0.product: '))).toBe(true);
  });

  it('goes through the same ingest as CSAF and is told apart from CSAF documents', async () => {
    expect(isManualAdvisoryDocument(ecri)).toBe(true);
    expect(isManualAdvisoryDocument({ source: 'manual', document: {} })).toBe(false);
    const stored: Advisory[] = [];
    const sent: MatchMessage[] = [];
    const outcomes = await ingestAdvisories(
      {
        advisories: {
          saveIfNewer: async (a: Advisory) => {
            stored.push(a);
            return true;
          },
          get: async () => null,
          getMany: async () => [],
          idsByManufacturer: async () => [],
          countAll: async () => stored.length,
        },
        matchQueue: { send: async (m: readonly MatchMessage[]) => void sent.push(...m) },
        // Manual advisories have their own schema: the CSAF validator must not be asked.
        csafValidator: {
          validate: async () => {
            throw new Error('the CSAF validator ran on a manual advisory');
          },
        },
      },
      [
        { name: 'ecri.json', text: JSON.stringify(ecri) },
        { name: 'bad.json', content: { ...ecri, products: [] } },
      ],
      { actor: 'test', reason: 'manual' },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'rejected']);
    expect(stored[0]?.source).toBe('manual');
    expect(sent).toEqual([{ type: 'advisory-changed', advisoryId: 'ECRI-H0999', trackingVersion: '2' }]);
  });
});

describe('interim guidance and candidate patch on the real corpus', () => {
  it('keeps CISA per-sentence mitigation items per product, de-duplicated (ICSMA-20-254-01)', () => {
    const advisory = loadAdvisory('icsma/icsma-20-254-01');
    const guidance = interimGuidanceFor(advisory, 'CSAFPID-0006');
    // 88 mitigation items (one sentence each, repeated per CVE) name this product; duplicates collapse.
    const raw = advisory.vulnerabilities.flatMap((v) =>
      v.remediations.filter((r) => r.category === 'mitigation' && r.productIds.includes('CSAFPID-0006')),
    );
    expect(raw.length).toBeGreaterThan(guidance.length);
    expect(guidance.length).toBeGreaterThan(1);
    expect(new Set(guidance).size).toBe(guidance.length);
    for (const item of guidance) expect(item.length).toBeLessThanOrEqual(600);
  });

  it('reads vendor_fix items as the candidate patch, product by product (ICSMA-20-317-01)', () => {
    const advisory = loadAdvisory('icsma/icsma-20-317-01');
    const candidate = candidatePatchFor(advisory, 'CSAFPID-0001');
    expect(candidate.some((c) => /12\.1/.test(c))).toBe(true);
    expect(candidatePatchFor(advisory, 'CSAFPID-9999')).toEqual([]);
  });
});

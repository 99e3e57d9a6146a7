import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNewerTrackingVersion, parseCsafDocument } from '../../shared/domain/csaf/parse-csaf';
import { csafFiles, loadAdvisory, readCsafJson } from './csaf-fixtures';

/** A small valid CSAF document; tests break one thing at a time. */
function minimalDocument(): Record<string, unknown> {
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: 'Example pump advisory',
      publisher: { category: 'vendor', name: 'ExampleMed', namespace: 'https://example.com' },
      tracking: {
        id: 'EXM-2024-001',
        status: 'final',
        version: '2',
        initial_release_date: '2024-01-10T00:00:00Z',
        current_release_date: '2024-02-01T00:00:00Z',
        revision_history: [{ number: '2', date: '2024-02-01T00:00:00Z', summary: 'Fix released' }],
      },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: 'B. Braun Melsungen AG',
          branches: [
            {
              category: 'product_name',
              name: 'InfuseX',
              branches: [
                {
                  category: 'product_version_range',
                  name: 'vers:generic/<3.2.1',
                  product: {
                    product_id: 'P1',
                    name: 'B. Braun InfuseX <3.2.1',
                    product_identification_helper: { model_numbers: ['IX-1??'] },
                  },
                },
                {
                  category: 'product_version',
                  name: '3.2.1',
                  product: { product_id: 'P2', name: 'B. Braun InfuseX 3.2.1' },
                },
              ],
            },
          ],
        },
      ],
      product_groups: [{ group_id: 'G1', product_ids: ['P1', 'P2'] }],
    },
    vulnerabilities: [
      {
        cve: 'CVE-2024-0001',
        cwe: { id: 'CWE-287', name: 'Improper Authentication' },
        notes: [{ category: 'summary', text: 'Authentication bypass.' }],
        product_status: { known_affected: ['P1'], fixed: ['P2'], recommended: ['P2'] },
        remediations: [
          {
            category: 'vendor_fix',
            product_ids: ['P1'],
            details: 'Upgrade to 3.2.1',
            url: 'https://example.com/fw',
          },
          { category: 'fix_planned', group_ids: ['G1'], details: 'A further fix is planned for Q3.' },
          { category: 'optional_patch', product_ids: ['P2'], details: 'Optional hardening patch.' },
        ],
        scores: [
          {
            products: ['P1'],
            cvss_v3: {
              version: '3.1',
              vectorString: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
              baseScore: 8.8,
              baseSeverity: 'HIGH',
            },
            cvss_v2: { version: '2.0', vectorString: 'AV:A/AC:L/Au:N/C:C/I:C/A:C', baseScore: 8.3 },
          },
        ],
        threats: [{ category: 'exploit_status', details: 'Exploit code is publicly available.' }],
      },
    ],
  };
}

function errorsOf(doc: unknown): string[] {
  const result = parseCsafDocument(doc);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.errors;
}

describe('parseCsafDocument on the real CISA corpus', () => {
  const icsma = csafFiles('icsma');

  it('parses every ICSMA file with no errors and no warnings', () => {
    let products = 0;
    let cves = 0;
    const failures: string[] = [];
    const warned: string[] = [];
    for (const file of icsma) {
      const result = parseCsafDocument(readCsafJson(file));
      if (!result.ok) {
        failures.push(`${basename(file)}: ${result.errors.join('; ')}`);
        continue;
      }
      if (result.warnings.length > 0) warned.push(basename(file));
      expect(result.advisory.source).toBe('csaf');
      expect(result.advisory.advisoryId).toMatch(/^ICSMA-/);
      products += result.advisory.products.length;
      cves += result.advisory.vulnerabilities.filter((v) => v.cve !== undefined).length;
    }
    expect(failures).toEqual([]);
    expect(warned).toEqual([]);
    expect(icsma).toHaveLength(109);
    expect(products).toBeGreaterThan(400);
    expect(cves).toBeGreaterThan(300);
  });

  it('parses every ICSA file, with warnings only for real oddities', () => {
    const files = csafFiles('icsa');
    expect(files).toHaveLength(5);
    for (const file of files) {
      const result = parseCsafDocument(readCsafJson(file));
      expect(result.ok, basename(file)).toBe(true);
      if (result.ok) expect(result.advisory.products.length).toBeGreaterThan(0);
    }
  });

  it('reads ICSMA-20-049-01 (Spacelabs XTR) products, versions and CVE', () => {
    const advisory = loadAdvisory('icsma/icsma-20-049-01');
    const xtr = advisory.products.find((p) => p.productName.startsWith('Xhibit'));
    expect(advisory.advisoryId).toBe('ICSMA-20-049-01');
    expect(advisory.trackingVersion).toBe('1');
    expect(xtr?.manufacturerKey).toBe('spacelabs');
    expect(xtr?.versionSpec).toEqual({ raw: '1.0.2', kind: 'exact' });
    expect(advisory.products.filter((p) => p.versionSpec.kind === 'all').length).toBeGreaterThan(5);
    expect(advisory.vulnerabilities[0]?.cve).toBe('CVE-2019-0708');
    expect(advisory.vulnerabilities[0]?.affectedProductIds).toContain(xtr?.productId);
    expect(advisory.vulnerabilities[0]?.cvss[0]?.baseScore).toBe(9.8);
  });

  it('normalizes vendor spellings and splits multi-vendor branches', () => {
    expect(loadAdvisory('icsma/icsma-21-007-01').products[0]?.manufacturerKey).toBe('innokas');
    const urgent11 = loadAdvisory('icsma/icsma-19-274-01');
    expect(urgent11.products[0]?.manufacturerKeys).toEqual([
      'enea',
      'green-hills-software',
      'itron',
      'ip-infusion',
      'wind-river',
    ]);
  });

  it('reports a public exploit from the document notes', () => {
    const advisory = loadAdvisory('icsma/icsma-17-215-02');
    expect(advisory.vulnerabilities.every((v) => v.exploitReported)).toBe(true);
    const noExploit = loadAdvisory('icsma/icsma-20-049-01');
    expect(noExploit.vulnerabilities.some((v) => v.exploitReported)).toBe(false);
  });

  it('reads relationships as products of the installed component vendor', () => {
    const advisory = loadAdvisory('icsa/icsa-24-235-03');
    const installed = advisory.products.find((p) => p.relationship?.category === 'installed_on');
    expect(installed?.manufacturerKey).toBe('mobotix');
    expect(installed?.fullName).toMatch(/installed on/);
    const fixed = advisory.vulnerabilities.flatMap((v) => v.fixedProductIds);
    expect(fixed.length).toBeGreaterThan(0);
  });

  it('keeps all remediation categories of the Siemens/WIBU ICSA and warns about its invalid vers', () => {
    const result = parseCsafDocument(
      readCsafJson(csafFiles('icsa').find((f) => f.includes('23-257-06')) ?? ''),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const categories = new Set(
      result.advisory.vulnerabilities.flatMap((v) => v.remediations.map((r) => r.category)),
    );
    expect([...categories]).toEqual(
      expect.arrayContaining(['none_available', 'no_fix_planned', 'workaround']),
    );
    expect(result.warnings.some((w) => w.includes('invalid vers'))).toBe(true);
    expect(result.advisory.trackingStatus).toBe('interim');
  });
});

describe('parseCsafDocument on a hand-built document', () => {
  it('reads products, statuses, groups, CSAF 2.1 remediations, scores and exploit threats', () => {
    const result = parseCsafDocument(minimalDocument());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { advisory } = result;
    expect(advisory.products.map((p) => [p.productId, p.manufacturerKey, p.versionSpec.kind])).toEqual([
      ['P1', 'b-braun', 'range'],
      ['P2', 'b-braun', 'exact'],
    ]);
    expect(advisory.products[0]?.modelNumbers).toEqual(['IX-1??']);
    const vulnerability = advisory.vulnerabilities[0];
    expect(vulnerability?.cwe).toBe('CWE-287');
    expect(vulnerability?.affectedProductIds).toEqual(['P1']);
    expect(vulnerability?.fixedProductIds).toEqual(['P2']);
    expect(vulnerability?.remediations.map((r) => [r.category, r.productIds])).toEqual([
      ['vendor_fix', ['P1']],
      ['fix_planned', ['P1', 'P2']],
      ['optional_patch', ['P2']],
    ]);
    expect(vulnerability?.cvss.map((s) => [s.version, s.baseScore])).toEqual([
      ['3.1', 8.8],
      ['2.0', 8.3],
    ]);
    expect(vulnerability?.exploitReported).toBe(true);
  });

  it('treats first_affected, last_affected and under_investigation as affected', () => {
    const doc = minimalDocument();
    const vulnerability = (doc.vulnerabilities as Record<string, unknown>[])[0] as Record<string, unknown>;
    vulnerability.product_status = { first_affected: ['P1'], under_investigation: ['P2'] };
    const result = parseCsafDocument(doc);
    expect(result.ok && result.advisory.vulnerabilities[0]?.affectedProductIds).toEqual(['P1', 'P2']);
  });

  it('warns about references to unknown product ids and drops them', () => {
    const doc = minimalDocument();
    const vulnerability = (doc.vulnerabilities as Record<string, unknown>[])[0] as Record<string, unknown>;
    vulnerability.product_status = { known_affected: ['P1', 'P9'] };
    const result = parseCsafDocument(doc);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.advisory.vulnerabilities[0]?.affectedProductIds).toEqual(['P1']);
    expect(result.warnings).toContain(
      'vulnerabilities[0].product_status.known_affected[1]: unknown product id P9; ignored',
    );
  });

  it('rejects input that is not an object', () => {
    expect(errorsOf(null)).toEqual(['$: expected a CSAF document object, got null']);
    expect(errorsOf('{"document": {')).toEqual(['$: expected a CSAF document object, got string']);
    expect(errorsOf([])).toEqual(['$: expected a CSAF document object, got array']);
  });

  it('rejects a truncated document without tracking id', () => {
    const doc = minimalDocument();
    delete ((doc.document as Record<string, unknown>).tracking as Record<string, unknown>).id;
    expect(errorsOf(doc)).toContain('document.tracking.id: required');
    expect(errorsOf({})).toEqual(['document: required']);
  });

  it('rejects wrong types and names the path', () => {
    const doc = minimalDocument();
    ((doc.document as Record<string, unknown>).tracking as Record<string, unknown>).version = 2;
    (doc.vulnerabilities as Record<string, unknown>[]).push({ product_status: { known_affected: 'P1' } });
    const errors = errorsOf(doc);
    expect(errors).toContain('document.tracking.version: expected a string, got number');
    expect(errors).toContain(
      'vulnerabilities[1].product_status.known_affected: expected an array, got string',
    );
    expect(errorsOf({ ...minimalDocument(), product_tree: [] })).toEqual([
      'product_tree: expected an object, got array',
    ]);
    expect(errorsOf({ ...minimalDocument(), vulnerabilities: {} })).toEqual([
      'vulnerabilities: expected an array, got object',
    ]);
  });

  it('rejects duplicate product ids', () => {
    const doc = minimalDocument();
    (doc.product_tree as Record<string, unknown>).full_product_names = [
      { product_id: 'P2', name: 'Duplicate' },
    ];
    expect(errorsOf(doc)).toEqual([
      'product_tree.full_product_names[0]: duplicate product_id P2 (first defined at product_tree.branches[0].branches[0].branches[1].product)',
    ]);
  });

  it('rejects 10,000-deep branches with one clear error instead of overflowing the stack', () => {
    let branch: Record<string, unknown> = {
      category: 'product_version',
      name: '1.0',
      product: { product_id: 'DEEP', name: 'Deep 1.0' },
    };
    for (let i = 0; i < 10_000; i++)
      branch = { category: 'product_family', name: `level ${i}`, branches: [branch] };
    const errors = errorsOf({ ...minimalDocument(), product_tree: { branches: [branch] } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^product_tree\.branches\[0\](\.branches\[0\]){63}\.branches: branches nested deeper than 64/,
    );
  });
});

describe('isNewerTrackingVersion', () => {
  it.each([
    ['2', '1', true],
    ['10', '9', true],
    ['1', '1', false],
    ['1', '2', false],
    ['1.10.0', '1.9.0', true],
    ['2.0.0', '2.0.0-rc.1', true],
    ['2.0.0-rc.2', '2.0.0-rc.10', false],
    ['1.0.0+build.2', '1.0.0+build.1', false],
  ])('%s is newer than %s: %s', (a, b, expected) => {
    expect(isNewerTrackingVersion(a, b)).toBe(expected);
  });
});

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessCsafValidator } from '../../shared/adapters/csaf/in-process-csaf-validator';
import { type DocumentOutcome, ingestAdvisories } from '../../shared/application/ingest-advisories';
import type { MatchMessage } from '../../shared/application/messages';
import type { Actor, AdvisoryRepository, MatchQueue } from '../../shared/application/ports';
import type { Advisory } from '../../shared/domain/advisory';
import { isNewerTrackingVersion } from '../../shared/domain/csaf/parse-csaf';
import {
  decodeCsafText,
  jsonDepth,
  MAX_CSAF_JSON_DEPTH,
  validateCsafDocument,
} from '../../shared/domain/csaf/validate-csaf';
import { csafFiles, readCsafJson } from './csaf-fixtures';

const actor: Actor = { actor: 'test', reason: 'unit test' };
const csafValidator = new InProcessCsafValidator();

/** In-memory advisory store with the repository's versioning rule. */
class MemoryAdvisories implements AdvisoryRepository {
  readonly stored = new Map<string, Advisory>();
  async saveIfNewer(advisory: Advisory): Promise<boolean> {
    const previous = this.stored.get(advisory.advisoryId);
    if (previous && !isNewerTrackingVersion(advisory.trackingVersion, previous.trackingVersion)) return false;
    this.stored.set(advisory.advisoryId, advisory);
    return true;
  }
  async get(id: string) {
    return this.stored.get(id) ?? null;
  }
  async getMany(ids: readonly string[]) {
    return ids.flatMap((id) => this.stored.get(id) ?? []);
  }
  async idsByManufacturer() {
    return [];
  }
  async countAll() {
    return this.stored.size;
  }
}

class MemoryQueue implements MatchQueue {
  readonly sent: MatchMessage[] = [];
  async send(messages: readonly MatchMessage[]) {
    this.sent.push(...messages);
  }
}

const spacelabsPath = csafFiles('icsma').find((f) => basename(f) === 'icsma-20-049-01.json') as string;
const spacelabsText = readFileSync(spacelabsPath, 'utf8');

/** The Spacelabs advisory as revision `version`, with the consecutive revision history the validator requires. */
function withTracking(version: string): string {
  const doc = JSON.parse(spacelabsText) as {
    document: { tracking: { version: string; current_release_date: string; revision_history: unknown[] } };
  };
  const count = Number(version);
  doc.document.tracking.version = version;
  doc.document.tracking.current_release_date = `2020-03-${String(count).padStart(2, '0')}T00:00:00.000000Z`;
  doc.document.tracking.revision_history = Array.from({ length: count }, (_, i) => ({
    date: `2020-03-${String(i + 1).padStart(2, '0')}T00:00:00.000000Z`,
    number: String(i + 1),
    summary: `revision ${i + 1}`,
  }));
  return JSON.stringify(doc);
}

/** `depth` nested branches, built as text so neither JSON.stringify nor the test recurses. */
function deepBranchesDocument(depth: number): string {
  const doc = JSON.parse(spacelabsText) as Record<string, unknown>;
  const open = '{"category":"product_family","name":"x","branches":['.repeat(depth);
  const leaf = '{"category":"product_version","name":"1","product":{"product_id":"DEEP","name":"deep 1"}}';
  const tree = `{"branches":[${open}${leaf}${']}'.repeat(depth)}]}`;
  const text = JSON.stringify({ ...doc, product_tree: '__TREE__' });
  return text.replace('"__TREE__"', tree);
}

describe('CSAF validation with @secvisogram/csaf-validator-lib (schema + mandatory tests)', () => {
  it('passes every document of the CISA corpus (ICSMA and ICSA)', async () => {
    const failures: string[] = [];
    for (const file of [...csafFiles('icsma'), ...csafFiles('icsa')]) {
      const result = await validateCsafDocument(readCsafJson(file));
      if (result.errors.length > 0) failures.push(`${basename(file)}: ${result.errors[0]}`);
    }
    expect(failures).toEqual([]);
  });

  it('rejects a schema violation with the validator message and the JSON path', async () => {
    const doc = JSON.parse(spacelabsText) as { document: Record<string, unknown> };
    doc.document.category = 42;
    const result = await validateCsafDocument(doc);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.some((e) => e.startsWith('/document/category: ') && e.endsWith('(schema)'))).toBe(
      true,
    );
  });

  it('rejects duplicate product ids through mandatory test 6.1.2', async () => {
    const doc = JSON.parse(spacelabsText) as { product_tree: { full_product_names?: unknown[] } };
    doc.product_tree.full_product_names = [
      { product_id: 'CSAFPID-0001', name: 'Duplicate of the first product' },
    ];
    const result = await validateCsafDocument(doc);
    expect(result.errors).toContain(
      '/product_tree/full_product_names/0/product_id: duplicate definition product id (mandatory test 6.1.2)',
    );
  });

  it('measures JSON depth without recursion, stopping early past a limit', () => {
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
    const deep = JSON.parse(`${'['.repeat(20000)}${']'.repeat(20000)}`) as unknown;
    expect(jsonDepth(deep, 200)).toBe(201);
  });

  it('names truncated JSON as such', () => {
    const decoded = decodeCsafText(spacelabsText.slice(0, 5000));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(/^not valid JSON \(truncated\?\): /);
  });
});

describe('ingestAdvisories on malformed documents', () => {
  it('rejects each malformed document with a clear reason and still stores the valid ones of the same import', async () => {
    const advisories = new MemoryAdvisories();
    const queue = new MemoryQueue();
    const wrongTypes = JSON.parse(spacelabsText) as {
      document: { tracking: Record<string, unknown> };
      vulnerabilities: unknown;
    };
    wrongTypes.document.tracking.version = 2;
    wrongTypes.vulnerabilities = { cve: 'CVE-2019-0708' };
    const duplicate = JSON.parse(spacelabsText) as { product_tree: { full_product_names?: unknown[] } };
    duplicate.product_tree.full_product_names = [{ product_id: 'CSAFPID-0004', name: 'again' }];
    const huge = `{"document":{"title":"${'x'.repeat(50 * 1024 * 1024)}"}}`;

    const outcomes = await ingestAdvisories(
      { advisories, matchQueue: queue, csafValidator },
      [
        { name: 'truncated.json', text: spacelabsText.slice(0, spacelabsText.length / 2) },
        { name: 'wrong-types.json', text: JSON.stringify(wrongTypes) },
        { name: 'huge.json', text: huge },
        { name: 'deep.json', text: deepBranchesDocument(10_000) },
        { name: 'duplicate-ids.json', text: JSON.stringify(duplicate) },
        { name: 'not-an-object.json', content: [1, 2, 3] },
        { name: 'good.json', text: spacelabsText },
      ],
      actor,
    );
    const byName = new Map(outcomes.map((o) => [o.name, o]));
    const errorsOf = (name: string): string => {
      const outcome = byName.get(name) as DocumentOutcome;
      expect(outcome.status, name).toBe('rejected');
      return outcome.status === 'rejected' ? outcome.errors.join('\n') : '';
    };
    expect(errorsOf('truncated.json')).toMatch(/not valid JSON \(truncated\?\)/);
    expect(errorsOf('wrong-types.json')).toMatch(/\/document\/tracking\/version: must be string \(schema\)/);
    expect(errorsOf('wrong-types.json')).toMatch(/\/vulnerabilities: must be array \(schema\)/);
    expect(errorsOf('huge.json')).toMatch(
      /^document is \d+ bytes; the limit is 5242880 bytes \(what one synchronous call to the CSAF validator/,
    );
    expect(errorsOf('deep.json')).toBe(
      `JSON nested deeper than ${MAX_CSAF_JSON_DEPTH} levels; refusing to read it`,
    );
    expect(errorsOf('duplicate-ids.json')).toMatch(
      /duplicate definition product id \(mandatory test 6\.1\.2\)/,
    );
    expect(errorsOf('not-an-object.json')).toMatch(/must be object \(schema\)/);
    expect(byName.get('good.json')).toMatchObject({ status: 'accepted', advisoryId: 'ICSMA-20-049-01' });
    expect([...advisories.stored.keys()]).toEqual(['ICSMA-20-049-01']);
    expect(queue.sent).toEqual([
      { type: 'advisory-changed', advisoryId: 'ICSMA-20-049-01', trackingVersion: '1' },
    ]);
  });

  it('accepts a document with non-fatal problems and records them as warnings', async () => {
    const file = csafFiles('icsa').find((f) => basename(f) === 'icsa-23-257-06.json') as string;
    const [outcome] = await ingestAdvisories(
      { advisories: new MemoryAdvisories(), matchQueue: new MemoryQueue(), csafValidator },
      [{ name: 'siemens.json', text: readFileSync(file, 'utf8') }],
      actor,
    );
    expect(outcome?.status).toBe('accepted');
    const warnings = outcome?.status === 'accepted' ? outcome.warnings : [];
    expect(warnings.some((w) => /invalid vers: the all scheme only allows \*/.test(w))).toBe(true);
  });

  it('replaces an advisory only with a newer tracking version and re-queues it; equal or older changes nothing', async () => {
    const advisories = new MemoryAdvisories();
    const queue = new MemoryQueue();
    const deps = { advisories, matchQueue: queue, csafValidator };
    const statuses = [];
    for (const version of ['1', '3', '3', '2']) {
      const [outcome] = await ingestAdvisories(
        deps,
        [{ name: `v${version}`, text: withTracking(version) }],
        actor,
      );
      statuses.push(outcome?.status);
    }
    expect(statuses).toEqual(['accepted', 'accepted', 'unchanged', 'unchanged']);
    expect(advisories.stored.get('ICSMA-20-049-01')?.trackingVersion).toBe('3');
    expect(queue.sent.map((m) => m.type === 'advisory-changed' && m.trackingVersion)).toEqual(['1', '3']);
  });
});

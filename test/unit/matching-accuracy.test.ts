import { describe, expect, it } from 'vitest';
import type { Advisory } from '../../shared/domain/advisory';
import { parseCsafDocument } from '../../shared/domain/csaf/parse-csaf';
import type { DeviceMatch } from '../../shared/domain/finding';
import {
  buildProductIndex,
  candidateProductsFor,
  matchDevices,
  matchDeviceToAdvisory,
  matchPreparedDevice,
  prepareDevice,
} from '../../shared/domain/matching';
import { versionSatisfies } from '../../shared/domain/version-spec';
import { expectedFindings, LABELLED_INVENTORY, type LabelledDevice } from '../fixtures/labelled-inventory';
import { csafFiles, device, readCsafJson } from './csaf-fixtures';

function corpus(folder: 'icsma' | 'icsa'): Advisory[] {
  return csafFiles(folder).map((file) => {
    const result = parseCsafDocument(readCsafJson(file));
    if (!result.ok) throw new Error(`${file}: ${result.errors.join('; ')}`);
    return result.advisory;
  });
}

const icsma = corpus('icsma');
const icsa = corpus('icsa');

function toDevice(row: LabelledDevice) {
  return device({
    deviceId: `lab:${row.tag}`,
    assetTag: row.tag,
    manufacturer: row.manufacturer,
    model: row.model,
    modelNumber: row.modelNumber,
    softwareVersion: row.softwareVersion,
    deviceType: row.deviceType,
  });
}

const inventory = LABELLED_INVENTORY.map((row) => ({ row, device: toDevice(row) }));

/** Matches every labelled device through the product index (the production path). */
function matchAll(advisories: Advisory[]): Map<string, DeviceMatch[]> {
  const index = buildProductIndex(advisories);
  const byTag = new Map<string, DeviceMatch[]>();
  for (const { row, device: d } of inventory) {
    const prepared = prepareDevice(d);
    const matches = [...candidateProductsFor(index, prepared)].flatMap(([advisory, products]) => {
      const m = matchPreparedDevice(prepared, advisory, products);
      return m ? [m] : [];
    });
    byTag.set(row.tag, matches);
  }
  return byTag;
}

const results = matchAll(icsma);

interface Tally {
  truePositives: number;
  falsePositives: string[];
  falseNegatives: string[];
  confidenceAgreement: number;
  possible: number;
  possibleOnReview: number;
}

function tally(): Tally {
  const t: Tally = {
    truePositives: 0,
    falsePositives: [],
    falseNegatives: [],
    confidenceAgreement: 0,
    possible: 0,
    possibleOnReview: 0,
  };
  for (const { row } of inventory) {
    const expected = expectedFindings(row);
    const matches = results.get(row.tag) ?? [];
    for (const match of matches) {
      if (match.confidence === 'possible') {
        t.possible += 1;
        if (row.review?.split(' ').includes(match.advisoryId)) t.possibleOnReview += 1;
        continue;
      }
      const label = expected.get(match.advisoryId);
      if (label === undefined) {
        t.falsePositives.push(
          `${row.tag} ${match.advisoryId} ${match.confidence} (${match.reason.productRule}; ${match.reason.versionRule})`,
        );
      } else {
        t.truePositives += 1;
        if (label === match.confidence) t.confidenceAgreement += 1;
      }
    }
    for (const [advisoryId, level] of expected) {
      const found = matches.find((m) => m.advisoryId === advisoryId && m.confidence !== 'possible');
      if (!found) {
        const weak = matches.find((m) => m.advisoryId === advisoryId);
        t.falseNegatives.push(
          `${row.tag} ${advisoryId} expected ${level}${weak ? ` got possible (${weak.reason.productRule})` : ''}`,
        );
      }
    }
  }
  return t;
}

describe('matching accuracy on the labelled inventory (data/csaf/icsma)', () => {
  const t = tally();
  const expectedTotal = inventory.reduce((n, { row }) => n + expectedFindings(row).size, 0);
  const recall = t.truePositives / expectedTotal;
  const precision = t.truePositives / (t.truePositives + t.falsePositives.length);

  it('ingests every ICSMA file of the corpus', () => {
    expect(icsma).toHaveLength(csafFiles('icsma').length);
    expect(icsma.length).toBe(109);
  });

  it('labels enough devices and expected findings to measure, each with a real advisory id', () => {
    const ids = new Set(icsma.map((a) => a.advisoryId));
    const labelled = inventory.flatMap(({ row }) => [
      ...expectedFindings(row).keys(),
      ...(row.review?.split(' ') ?? []),
    ]);
    expect(labelled.filter((id) => !ids.has(id))).toEqual([]);
    expect(inventory.length).toBeGreaterThanOrEqual(150);
    expect(expectedTotal).toBeGreaterThanOrEqual(150);
  });

  it('reaches recall >= 0.98 at confidence >= probable', () => {
    console.info(
      JSON.stringify({
        devices: inventory.length,
        expected: expectedTotal,
        truePositives: t.truePositives,
        recall,
        precision,
        confidenceAgreement: t.confidenceAgreement / Math.max(1, t.truePositives),
        possible: t.possible,
        possibleOnReview: t.possibleOnReview,
      }),
    );
    expect(recall, `missed:\n${t.falseNegatives.join('\n')}`).toBeGreaterThanOrEqual(0.98);
  });

  it('reaches precision >= 0.95 at confidence >= probable', () => {
    expect(precision, `false positives:\n${t.falsePositives.join('\n')}`).toBeGreaterThanOrEqual(0.95);
  });

  it('agrees with the labelled confidence (confirmed vs probable) on at least 90% of true positives', () => {
    expect(t.confidenceAgreement / t.truePositives).toBeGreaterThanOrEqual(0.9);
  });

  it('never reports confirmed or probable for a device whose version is outside the matched product range', () => {
    const violations: string[] = [];
    for (const { row, device: d } of inventory) {
      for (const match of results.get(row.tag) ?? []) {
        const advisory = icsma.find((a) => a.advisoryId === match.advisoryId);
        const product = advisory?.products.find((p) => p.productId === match.reason.productId);
        if (product && versionSatisfies(product.versionSpec, d.softwareVersion) === 'outside')
          violations.push(`${row.tag} ${match.advisoryId} ${match.reason.productId}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('reports nothing confirmed or probable for the devices labelled as unaffected', () => {
    const unaffected = inventory.filter(({ row }) => row.expected === '' && row.review === undefined);
    expect(unaffected.length).toBeGreaterThanOrEqual(40);
    const reported = unaffected.flatMap(({ row }) =>
      (results.get(row.tag) ?? [])
        .filter((m) => m.confidence !== 'possible')
        .map((m) => `${row.tag} ${m.advisoryId}`),
    );
    expect(reported).toEqual([]);
  });

  it('keeps possible matches rare and never stronger than possible on review-only devices', () => {
    const review = inventory.filter(({ row }) => row.review !== undefined);
    for (const { row } of review) {
      for (const match of results.get(row.tag) ?? [])
        expect(match.confidence, `${row.tag} ${match.advisoryId}`).toBe('possible');
    }
    expect(t.possible).toBeLessThanOrEqual(Math.ceil(0.1 * (t.truePositives + t.possible)));
  });
});

describe('the product index', () => {
  it('finds exactly what the brute-force loop over every advisory finds, for every labelled device', () => {
    const key = (m: DeviceMatch) => `${m.deviceId} ${m.advisoryId} ${m.confidence} ${m.reason.productId}`;
    const brute = inventory.flatMap(({ device: d }) =>
      icsma.flatMap((a) => {
        const m = matchDeviceToAdvisory(d, a);
        return m ? [key(m)] : [];
      }),
    );
    const indexed = [...results.values()].flatMap((ms) => ms.map(key));
    expect(indexed.sort()).toEqual(brute.sort());
    expect(brute.length).toBeGreaterThan(150);
    // matchDevices: identical records evaluated once; the inventory twice over (new ids) gives every match twice.
    const twice = [
      ...inventory.map(({ device: d }) => d),
      ...inventory.map(({ device: d }) => ({ ...d, deviceId: `${d.deviceId}#2` })),
    ];
    const grouped = matchDevices(buildProductIndex(icsma), twice);
    expect(grouped.profiles).toBe(inventory.length);
    expect(
      grouped.matches
        .filter((m) => !m.deviceId.endsWith('#2'))
        .map(key)
        .sort(),
    ).toEqual(brute.sort());
    expect(grouped.matches).toHaveLength(2 * brute.length);
  });
});

describe('non-medical ICSA advisories (data/csaf/icsa)', () => {
  it('match none of the medical devices of the labelled inventory, at any confidence', () => {
    const matched = [...matchAll(icsa)].flatMap(([tag, matches]) =>
      matches.map((m) => `${tag} ${m.advisoryId} ${m.confidence}`),
    );
    expect(icsa.length).toBe(5);
    expect(matched).toEqual([]);
  });
});

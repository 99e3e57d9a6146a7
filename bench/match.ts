/**
 * npm run bench:match [-- --devices 100000]
 *
 * Matching benchmark (issue 4): every CSAF advisory of data/csaf (ICSMA + ICSA) against N generated hospital
 * devices (the demo hospital generator: real products of the corpus, CMMS spellings, versions inside and outside
 * the affected ranges, 30 % products without advisories). Measured in one run, on the same data:
 *   - indexed (production path, matchDevices): devices grouped by what matching reads (manufacturer, model, model
 *     number, version, type), each distinct profile looked up in the product index (manufacturer key × token) and
 *     evaluated against its candidate products only; the result is shared by the group;
 *   - indexed per device: the same index, every device evaluated on its own (to separate the two effects);
 *   - brute force: the nested loop over every device × every advisory (every affected product), same matcher;
 *   - indexed again with 2× devices and with 2× advisories (copies under new ids), to show how cost grows.
 * Both paths must find the same matches. Prints one JSON line and writes bench/results/match.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemoHospital } from '../local/demo/hospital';
import type { Advisory } from '../shared/domain/advisory';
import { parseCsafDocument } from '../shared/domain/csaf/parse-csaf';
import { Device } from '../shared/domain/device';
import {
  buildProductIndex,
  candidateProductsFor,
  matchDevices,
  matchPreparedDevice,
  prepareDevice,
} from '../shared/domain/matching';
import { csafFiles, readCsafJson } from '../test/unit/csaf-fixtures';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '100000' } } });
const DEVICES = Number(values.devices);

function corpus(): Advisory[] {
  return [...csafFiles('icsma'), ...csafFiles('icsa')].flatMap((file) => {
    const parsed = parseCsafDocument(readCsafJson(file));
    return parsed.ok ? [parsed.advisory] : [];
  });
}

function devices(count: number, seed: number): Device[] {
  return generateDemoHospital({ devices: count, seed }).devices.map((d, i) =>
    Device.parse({
      deviceId: `bench:${seed}:${i}`,
      source: 'bench',
      sourceRecordId: String(i),
      assetTag: d.asset_tag,
      manufacturer: d.manufacturer,
      model: d.model_id,
      modelNumber: d.model_number,
      softwareVersion: d.u_software_version || d.firmware_version,
      deviceType: d.u_device_type,
    }),
  );
}

/** The same advisories under new ids, as independent objects (no shared caches). */
function copies(advisories: readonly Advisory[]): Advisory[] {
  return advisories.map((a) => ({ ...structuredClone(a), advisoryId: `${a.advisoryId}-COPY` }));
}

function affectedProductCount(advisories: readonly Advisory[]): number {
  return advisories.reduce((n, a) => {
    const affected = new Set(a.vulnerabilities.flatMap((v) => v.affectedProductIds));
    return (
      n +
      (affected.size === 0 ? a.products.length : a.products.filter((p) => affected.has(p.productId)).length)
    );
  }, 0);
}

interface Run {
  seconds: number;
  pairsEvaluated: number;
  matches: string[];
}

/** The production path: product index + one evaluation per distinct device profile (matchDevices). */
function indexed(
  devs: readonly Device[],
  advisories: readonly Advisory[],
): Run & { profiles: number; pairsCovered: number } {
  const started = performance.now();
  const result = matchDevices(buildProductIndex(advisories), devs);
  const seconds = (performance.now() - started) / 1000;
  const matches = result.matches.map(
    (m) => `${m.deviceId}|${m.advisoryId}|${m.confidence}|${m.reason.productId}`,
  );
  return {
    seconds,
    pairsEvaluated: result.pairsEvaluated,
    matches,
    profiles: result.profiles,
    pairsCovered: result.pairsCovered,
  };
}

/** The product index alone, every device evaluated on its own (no grouping of identical profiles). */
function indexedPerDevice(devs: readonly Device[], advisories: readonly Advisory[]): Run {
  const started = performance.now();
  const index = buildProductIndex(advisories);
  let pairsEvaluated = 0;
  const matches: string[] = [];
  for (const device of devs) {
    const prepared = prepareDevice(device);
    for (const [advisory, products] of candidateProductsFor(index, prepared)) {
      pairsEvaluated += products.size;
      const match = matchPreparedDevice(prepared, advisory, products);
      if (match)
        matches.push(`${match.deviceId}|${match.advisoryId}|${match.confidence}|${match.reason.productId}`);
    }
  }
  return { seconds: (performance.now() - started) / 1000, pairsEvaluated, matches };
}

function bruteForce(devs: readonly Device[], advisories: readonly Advisory[], products: number): Run {
  const started = performance.now();
  const matches: string[] = [];
  for (const device of devs) {
    const prepared = prepareDevice(device);
    for (const advisory of advisories) {
      const match = matchPreparedDevice(prepared, advisory);
      if (match)
        matches.push(`${match.deviceId}|${match.advisoryId}|${match.confidence}|${match.reason.productId}`);
    }
  }
  return { seconds: (performance.now() - started) / 1000, pairsEvaluated: devs.length * products, matches };
}

const round = (n: number, digits = 4) => Number(n.toFixed(digits));
const log = (line: string) => console.error(`  ${line}`);

const advisories = corpus();
const products = affectedProductCount(advisories);
log(`corpus: ${advisories.length} advisories, ${products} affected products`);
const base = devices(DEVICES, 42);
const more = [...base, ...devices(DEVICES, 43)];
log(`devices: ${base.length} generated (and ${more.length} for the 2x run)`);

// Warm-up over the same data, not reported: JIT, and the per-profile and per-product caches every later run
// (indexed and brute force alike) would otherwise fill during whichever run came first.
indexed(base, advisories);
indexed(more, advisories);
const fast = indexed(base, advisories);
log(
  `indexed: ${fast.seconds.toFixed(2)} s, ${fast.profiles} device profiles, ${fast.pairsEvaluated} pairs evaluated (${fast.pairsCovered} covered), ${fast.matches.length} matches`,
);
const perDevice = indexedPerDevice(base, advisories);
log(`indexed, per device: ${perDevice.seconds.toFixed(2)} s, ${perDevice.pairsEvaluated} pairs`);
const brute = bruteForce(base, advisories, products);
log(
  `brute force: ${brute.seconds.toFixed(2)} s, ${brute.pairsEvaluated} pairs, ${brute.matches.length} matches`,
);
const sorted = (r: Run) => [...r.matches].sort();
const bruteSorted = sorted(brute);
const same = (r: Run) =>
  r.matches.length === bruteSorted.length && sorted(r).every((m, i) => m === bruteSorted[i]);
const sameMatches = same(fast) && same(perDevice);
const twiceDevices = indexed(more, advisories);
log(`indexed, 2x devices: ${twiceDevices.seconds.toFixed(2)} s`);
const doubled = [...advisories, ...copies(advisories)];
const twiceAdvisories = indexed(base, doubled);
log(`indexed, 2x advisories: ${twiceAdvisories.seconds.toFixed(2)} s`);

const totalPairs = base.length * products;
const result = {
  devices: base.length,
  advisories: advisories.length,
  products,
  seconds: round(fast.seconds, 3),
  pairsEvaluated: fast.pairsEvaluated,
  totalPairs,
  pairsEvaluatedFraction: round(fast.pairsEvaluated / totalPairs, 6),
  deviceProfiles: fast.profiles,
  pairsCoveredByCandidates: fast.pairsCovered,
  pairsCoveredFraction: round(fast.pairsCovered / totalPairs, 6),
  matches: fast.matches.length,
  bruteForceSeconds: round(brute.seconds, 3),
  speedupVsBruteForce: round(brute.seconds / fast.seconds, 1),
  perDeviceIndexSeconds: round(perDevice.seconds, 3),
  speedupPerDeviceIndexVsBruteForce: round(brute.seconds / perDevice.seconds, 1),
  sameMatchesAsBruteForce: sameMatches,
  scaling2xDevices: round(twiceDevices.seconds / fast.seconds, 2),
  scaling2xAdvisories: round(twiceAdvisories.seconds / fast.seconds, 2),
  pairsEvaluated2xAdvisories: twiceAdvisories.pairsEvaluated,
  node: process.version,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'match.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
if (!sameMatches) {
  console.error('indexed and brute-force matches differ');
  process.exitCode = 1;
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Advisory } from '../../shared/domain/advisory';
import { parseCsafDocument } from '../../shared/domain/csaf/parse-csaf';
import { Device, type DeviceInput } from '../../shared/domain/device';

/** The CISA CSAF corpus copied into the repo (see shared/data/README.md). */
export const CSAF_DIR = join(import.meta.dirname, '../../data/csaf');

export function csafFiles(folder: 'icsma' | 'icsa'): string[] {
  return readdirSync(join(CSAF_DIR, folder))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(CSAF_DIR, folder, name));
}

export function readCsafJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Parses a corpus file by name ("icsma/icsma-20-049-01") and fails loudly if it does not parse. */
export function loadAdvisory(name: string): Advisory {
  const result = parseCsafDocument(readCsafJson(join(CSAF_DIR, `${name}.json`)));
  if (!result.ok) throw new Error(`${name} did not parse: ${result.errors.join('; ')}`);
  return result.advisory;
}

export function device(input: Partial<DeviceInput> & { deviceId: string; manufacturer: string }): Device {
  return Device.parse({ source: 'csv', sourceRecordId: input.deviceId, assetTag: input.deviceId, ...input });
}

import { type Mds2ParseError, parseMds2Csv, parseMds2Json } from '../domain/mds2';
import type { Actor, Mds2ProfileRepository } from './ports';

/** Imports MDS2 profiles (CSV or JSON); bad rows are reported, every good profile is stored with its audit event. */
export async function importMds2Text(
  repository: Pick<Mds2ProfileRepository, 'save'>,
  text: string,
  fileName: string,
  actor: Actor,
): Promise<{ profiles: number; changed: number; errors: Mds2ParseError[]; corrections: string[] }> {
  const parsed =
    fileName.toLowerCase().endsWith('.json') || /^\s*\[/.test(text)
      ? parseMds2Json(text)
      : parseMds2Csv(text);
  let changed = 0;
  for (const profile of parsed.profiles) if (await repository.save(profile, actor)) changed += 1;
  return {
    profiles: parsed.profiles.length,
    changed,
    errors: parsed.errors,
    corrections: parsed.corrections,
  };
}

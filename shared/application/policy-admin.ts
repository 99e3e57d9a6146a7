import { type HospitalPolicy, parsePolicy } from '../domain/policy';
import { ValidationError } from '../errors';
import type { Actor, PolicyRepository } from './ports';

/**
 * Reads a policy document (JSON), validates it and makes it the active policy (audited with before/after).
 * An invalid policy is refused as a whole, every problem named by its path: running on a half-read policy could
 * silently change SLAs or exemptions.
 */
export async function applyPolicyText(
  repository: PolicyRepository,
  text: string,
  fileName: string,
  actor: Actor,
): Promise<{ policy: HospitalPolicy; changed: boolean }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ValidationError(`${fileName}: not valid JSON (${(cause as Error).message})`, [], { cause });
  }
  const parsed = parsePolicy(value);
  if (!parsed.ok) {
    throw new ValidationError(
      `${fileName}: invalid policy: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      parsed.errors,
    );
  }
  const changed = await repository.saveActive(parsed.policy, actor);
  return { policy: parsed.policy, changed };
}

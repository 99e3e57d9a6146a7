import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type {
  Actor,
  StoredValidation,
  ValidationHistoryEntry,
  ValidationStore,
} from '../shared/application/ports';
import { ValidationRecord } from '../shared/domain/validation';
import { TransientError } from '../shared/errors';

interface Sidecar {
  history: (ValidationHistoryEntry & { recordId: string })[];
  audit: {
    at: string;
    recordId: string;
    action: string;
    actor: string;
    reason: string;
    before: unknown;
    after: unknown;
  }[];
}

/**
 * The CLI's validation store: the records live in a JSON array that `medpatch run --validations FILE` reads as is;
 * superseded versions and audit events are appended to `<FILE>.history.json` next to it. Writes go through a
 * temporary file and a rename, so an interrupted command never leaves half a file.
 */
export class FileValidationStore implements ValidationStore {
  private readonly records: ValidationRecord[];
  private readonly sidecar: Sidecar;

  constructor(
    readonly file: string,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.records = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).map((r, i) => {
          const parsed = ValidationRecord.safeParse(r);
          if (!parsed.success) throw new Error(`${file}: item ${i + 1} is not a validation record`);
          return parsed.data;
        })
      : [];
    const sidecarFile = `${file}.history.json`;
    this.sidecar = existsSync(sidecarFile)
      ? (JSON.parse(readFileSync(sidecarFile, 'utf8')) as Sidecar)
      : { history: [], audit: [] };
  }

  private versionOf(recordId: string): number {
    return this.sidecar.history.filter((h) => h.recordId === recordId).length + 1;
  }

  async listByManufacturer(manufacturerKey: string): Promise<ValidationRecord[]> {
    return this.records.filter((r) => r.manufacturerKey === manufacturerKey);
  }

  listAll(): readonly ValidationRecord[] {
    return this.records;
  }

  auditOf(recordId: string): Sidecar['audit'] {
    return this.sidecar.audit.filter((a) => a.recordId === recordId);
  }

  async get(manufacturerKey: string, recordId: string): Promise<StoredValidation | null> {
    const record = this.records.find((r) => r.recordId === recordId && r.manufacturerKey === manufacturerKey);
    return record ? { record, version: this.versionOf(recordId) } : null;
  }

  async history(_manufacturerKey: string, recordId: string): Promise<ValidationHistoryEntry[]> {
    return this.sidecar.history
      .filter((h) => h.recordId === recordId)
      .map(({ version, record, supersededAt }) => ({ version, record, supersededAt }));
  }

  async save(record: ValidationRecord, actor: Actor): Promise<void> {
    const current = await this.get(record.manufacturerKey, record.recordId);
    await this.put(record, current?.version ?? null, actor);
  }

  async put(record: ValidationRecord, expectedVersion: number | null, actor: Actor): Promise<number> {
    const index = this.records.findIndex((r) => r.recordId === record.recordId);
    const current = index < 0 ? null : (this.records[index] ?? null);
    const version = current ? this.versionOf(record.recordId) : null;
    if (version !== expectedVersion) throw new TransientError(`validation ${record.recordId} changed`);
    const at = this.now();
    if (current && version !== null) {
      this.sidecar.history.push({ recordId: record.recordId, version, record: current, supersededAt: at });
      this.records[index] = record;
    } else {
      this.records.push(record);
    }
    this.sidecar.audit.push({
      at,
      recordId: record.recordId,
      action: current ? `VALIDATION_${current.status}_TO_${record.status}` : 'VALIDATION_RECORDED',
      actor: actor.actor,
      reason: actor.reason,
      before: current,
      after: record,
    });
    this.flush();
    return (expectedVersion ?? 0) + 1;
  }

  private flush(): void {
    const write = (path: string, value: unknown) => {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    };
    write(`${this.file}.history.json`, this.sidecar);
    write(this.file, this.records);
  }
}

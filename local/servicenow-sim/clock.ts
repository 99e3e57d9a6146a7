/** The simulator's clock: an injectable time source plus a manual offset tests can advance. */
export class SimClock {
  private offsetMs = 0;

  constructor(private readonly source: () => Date = () => new Date()) {}

  now(): Date {
    return new Date(this.source().getTime() + this.offsetMs);
  }

  nowMs(): number {
    return this.now().getTime();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** ServiceNow's internal date-time format: `yyyy-MM-dd HH:mm:ss` in UTC. */
export function formatGlideDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

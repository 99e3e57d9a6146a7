import type { RandomSource } from './prng';

/** Fault injection (reference §7.4): latency, 5xx answers, dropped connections, commit-then-drop writes. */

export interface FaultOptions {
  latencyMs?: number;
  /** Fraction (0..1) of requests answered 500, 502 or 503. */
  errorRate?: number;
  /** Fraction of requests whose connection is destroyed without a response. */
  dropRate?: number;
  /** Fraction of POST/PUT/PATCH requests that are committed, then the connection is destroyed. */
  commitThenDropRate?: number;
  /** Source of randomness for the rates; defaults to the simulator's seeded PRNG. */
  random?: () => number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'drop' }
  | { kind: 'error'; status: 500 | 502 | 503 }
  | { kind: 'commit-then-drop' };

const ERROR_STATUSES = [500, 502, 503] as const;

export class FaultInjector {
  private options: FaultOptions = {};

  constructor(
    private readonly fallbackRandom: RandomSource,
    options: FaultOptions = {},
  ) {
    this.set(options);
  }

  set(options: FaultOptions): void {
    this.options = { ...options };
  }

  latencyMs(): number {
    return Math.max(0, this.options.latencyMs ?? 0);
  }

  /** Decides the fate of one request; each rate draws from the random source only when it is non-zero. */
  decide(method: string): FaultDecision {
    const random = this.options.random ?? this.fallbackRandom;
    const hit = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate;
    if (hit(this.options.dropRate)) return { kind: 'drop' };
    if (hit(this.options.errorRate)) {
      const status = ERROR_STATUSES[Math.floor(random() * ERROR_STATUSES.length)] ?? 500;
      return { kind: 'error', status };
    }
    if (['POST', 'PUT', 'PATCH'].includes(method) && hit(this.options.commitThenDropRate)) {
      return { kind: 'commit-then-drop' };
    }
    return { kind: 'none' };
  }
}

/** Bodies for injected 5xx answers: the instance answers JSON, the load balancer in front of it answers HTML. */
export function faultResponse(status: 500 | 502 | 503): { contentType: string; body: string } {
  if (status === 500) {
    return {
      contentType: 'application/json;charset=UTF-8',
      body: JSON.stringify({
        error: {
          message: 'Internal Server Error',
          detail: 'Simulated fault injected by the ServiceNow simulator',
        },
        status: 'failure',
      }),
    };
  }
  const title = status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  return {
    contentType: 'text/html;charset=UTF-8',
    body: `<html><head><title>${status} ${title}</title></head><body><h1>${title}</h1></body></html>`,
  };
}

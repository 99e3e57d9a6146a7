import type { SimClock } from './clock';

/** Inbound REST rate limits (reference §1.9, §7.4): requests per user per rule per clock hour. */

export interface RateLimitRule {
  requestsPerHour: number;
  /** Only requests to this table (Table API); any table when omitted. */
  table?: string;
  /** Only this HTTP method (GET, POST, …); any method when omitted. */
  method?: string;
  /** Only this user; a user rule takes precedence over all-users rules. */
  user?: string;
}

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
  body?: { error: { message: string; detail: string }; status: 'failure' };
}

const HOUR_MS = 3_600_000;

export class RateLimiter {
  private rules: RateLimitRule[] = [];
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly clock: SimClock,
    rules: RateLimitRule[] = [],
  ) {
    this.setRules(rules);
  }

  setRules(rules: RateLimitRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule, method: rule.method?.toUpperCase() }));
    this.counts.clear();
  }

  /** Counts the request against the governing rule, if any, and says whether it may proceed. */
  check(request: { user: string; method: string; table: string | undefined }): RateLimitDecision {
    const matching = this.rules
      .map((rule, index) => ({ rule, index }))
      .filter(
        ({ rule }) =>
          (rule.table === undefined || rule.table === request.table) &&
          (rule.method === undefined || rule.method === request.method.toUpperCase()) &&
          (rule.user === undefined || rule.user === request.user),
      );
    if (matching.length === 0) return { allowed: true, headers: {} };
    const userRules = matching.filter(({ rule }) => rule.user !== undefined);
    const candidates = userRules.length > 0 ? userRules : matching;
    const governing = candidates.reduce((lowest, next) =>
      next.rule.requestsPerHour < lowest.rule.requestsPerHour ? next : lowest,
    );
    const nowMs = this.clock.nowMs();
    const window = Math.floor(nowMs / HOUR_MS);
    const resetSeconds = ((window + 1) * HOUR_MS) / 1000;
    const key = `${governing.index}\u0000${request.user}\u0000${window}`;
    const used = this.counts.get(key) ?? 0;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(governing.rule.requestsPerHour),
      'X-RateLimit-Reset': String(resetSeconds),
      'X-RateLimit-Rule': ruleSysId(governing.index),
    };
    if (used >= governing.rule.requestsPerHour) {
      headers['Retry-After'] = String(Math.max(1, Math.ceil(resetSeconds - nowMs / 1000)));
      return {
        allowed: false,
        headers,
        body: {
          error: {
            message: 'Rate limit exceeded',
            detail: `Rate limit of ${governing.rule.requestsPerHour} requests per hour for Table API exceeded`,
          },
          status: 'failure',
        },
      };
    }
    this.counts.set(key, used + 1);
    return { allowed: true, headers };
  }
}

function ruleSysId(index: number): string {
  return `7a11${String(index).padStart(28, '0')}`;
}

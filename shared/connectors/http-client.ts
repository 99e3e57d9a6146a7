import {
  AuthError,
  ConfigurationError,
  MedPatchError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../errors';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  timeoutMs: 20_000,
};

/**
 * Maps an HTTP outcome to the error vocabulary: 401/403 are configuration problems (never retried in a loop),
 * 404 is NotFound, 429 carries Retry-After / X-RateLimit-Reset, 5xx and network failures are transient.
 */
export function classifyResponse(response: HttpResponse, what: string): MedPatchError | null {
  const { status } = response;
  if (status < 400) return null;
  const detail = errorDetail(response.body);
  if (status === 401 || status === 403) {
    return new AuthError(
      `${what}: ${status} ${detail} (check the CMMS user, password or OAuth client and its roles)`,
      {
        context: { status },
      },
    );
  }
  if (status === 404) return new NotFoundError(`${what}: 404 ${detail}`, { context: { status } });
  if (status === 429) {
    return new RateLimitedError(`${what}: 429 ${detail}`, retryAfterMs(response.headers), {
      context: { status },
    });
  }
  if (status >= 500) return new TransientError(`${what}: ${status} ${detail}`, { context: { status } });
  return new ValidationError(`${what}: ${status} ${detail}`, [], { context: { status } });
}

function errorDetail(body: string): string {
  try {
    // ServiceNow: {"error":{"message","detail"}}; Maximo: {"Error":{"message","reasonCode"}}.
    const parsed = JSON.parse(body) as {
      error?: { message?: unknown; detail?: unknown };
      Error?: { message?: unknown };
    };
    const envelope = parsed.error ?? parsed.Error;
    const message = typeof envelope?.message === 'string' ? envelope.message : '';
    const detail = typeof parsed.error?.detail === 'string' ? parsed.error.detail : '';
    return [message, detail].filter(Boolean).join(': ') || body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

/** Retry-After (seconds or HTTP date) wins; else X-RateLimit-Reset (epoch seconds); else one minute. */
export function retryAfterMs(headers: Headers, nowMs: number = Date.now()): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
  return 60_000;
}

/** What went wrong below HTTP: a timeout, a reset or dropped connection, a refused connection or a DNS failure. */
export type NetworkFailure = 'timeout' | 'reset' | 'refused' | 'dns' | 'other';

/**
 * One HTTP exchange with a per-request timeout. Network failures become TransientError with
 * `context.network` naming the failure, except a host name that does not resolve: that is a wrong URL
 * (ConfigurationError), and retrying cannot fix it.
 */
export async function sendOnce(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  } catch (error) {
    const { kind, text } = describeNetworkError(error);
    const where = `${request.method} ${new URL(request.url).host}${new URL(request.url).pathname}`;
    if (kind === 'dns') {
      throw new ConfigurationError(
        `${where}: host ${new URL(request.url).hostname} does not resolve (${text}); check the instance URL`,
        { cause: error, context: { network: kind } },
      );
    }
    throw new TransientError(`${where}: ${kind === 'timeout' ? `timed out after ${timeoutMs} ms` : text}`, {
      cause: error,
      context: { network: kind },
    });
  }
}

export function describeNetworkError(error: unknown): { kind: NetworkFailure; text: string } {
  if (!(error instanceof Error)) return { kind: 'other', text: String(error) };
  if (error.name === 'TimeoutError' || error.name === 'AbortError')
    return { kind: 'timeout', text: 'timed out' };
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  const text = cause?.code ?? cause?.message ?? error.message;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'dns', text };
  if (code === 'ECONNREFUSED') return { kind: 'refused', text };
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' ||
    /other side closed|socket hang up|terminated/i.test(text)
  ) {
    return { kind: 'reset', text: text || 'connection reset' };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return { kind: 'timeout', text };
  }
  return { kind: 'other', text };
}

/** Capped exponential backoff with full jitter. */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ResilientHttpOptions {
  retry: RetryPolicy;
  /** Request-rate cap (requests per second, all requests of this client); 0 or absent = no cap. */
  maxRequestsPerSecond?: number;
  /** A Retry-After longer than this is not waited out in-process: the RateLimitedError is thrown to the caller. */
  maxRetryAfterMs?: number;
  /** Sends one request; tests inject a recording or faulty transport. */
  transport?: (request: HttpRequest, timeoutMs: number) => Promise<HttpResponse>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface HttpStats {
  /** Requests put on the wire (each attempt counts). */
  requests: number;
  retries: number;
  rateLimited: number;
}

/**
 * An HTTP client with the resilience every connector needs: a request-rate cap, a per-request timeout, retries of
 * 5xx/timeouts/resets with capped exponential backoff and full jitter, 429 waited out per Retry-After /
 * X-RateLimit-Reset (no request is sent before that time, by any caller of this client), one credential refresh
 * on 401, and never a loop on 401/403.
 */
export class ResilientHttp {
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly options: Required<Omit<ResilientHttpOptions, 'maxRequestsPerSecond'>> & {
    minIntervalMs: number;
  };
  private nextSlotMs = 0;
  private notBeforeMs = 0;

  constructor(options: ResilientHttpOptions) {
    this.options = {
      retry: options.retry,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      transport: options.transport ?? sendOnce,
      sleep: options.sleep ?? sleep,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      minIntervalMs:
        options.maxRequestsPerSecond && options.maxRequestsPerSecond > 0
          ? 1000 / options.maxRequestsPerSecond
          : 0,
    };
  }

  /** Waits for the rate cap and any Retry-After in force, then sends once (no retries, no classification). */
  async sendRaw(request: HttpRequest): Promise<HttpResponse> {
    await this.waitForSlot();
    this.stats.requests += 1;
    return this.options.transport(request, this.options.retry.timeoutMs);
  }

  /**
   * Sends with retries. `build` is called before every attempt (fresh auth headers). `idempotent: false` (a POST)
   * is never retried after a 5xx, timeout or reset: the caller re-queries first. `refreshAuth` is called once on a
   * 401 and returns whether a retry with new credentials makes sense.
   */
  async send(
    build: () => Promise<HttpRequest>,
    what: string,
    options: { idempotent?: boolean; refreshAuth?: () => boolean } = {},
  ): Promise<HttpResponse> {
    const idempotent = options.idempotent ?? true;
    let refreshed = false;
    for (let attempt = 0; ; attempt += 1) {
      let error: MedPatchError;
      try {
        const res = await this.sendRaw(await build());
        if (res.status === 401 && !refreshed && options.refreshAuth?.()) {
          refreshed = true; // one fresh token, then a second 401 is final
          attempt -= 1;
          continue;
        }
        const classified = classifyResponse(res, what);
        if (!classified) return res;
        error = classified;
      } catch (caught) {
        if (!(caught instanceof MedPatchError)) throw caught;
        error = caught;
      }
      if (error instanceof RateLimitedError) {
        this.stats.rateLimited += 1;
        this.notBeforeMs = Math.max(this.notBeforeMs, this.options.now() + error.retryAfterMs);
        // A 429 was not processed, so even a non-idempotent request may be sent again after the wait.
        if (
          error.retryAfterMs > this.options.maxRetryAfterMs ||
          attempt + 1 >= this.options.retry.maxAttempts
        )
          throw error;
        this.stats.retries += 1;
        continue;
      }
      if (!error.retryable || !idempotent || attempt + 1 >= this.options.retry.maxAttempts) {
        throw attempt > 0 && error.retryable ? withAttempts(error, attempt + 1) : error;
      }
      this.stats.retries += 1;
      await this.options.sleep(backoffDelayMs(attempt, this.options.retry, this.options.random));
    }
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.options.now();
      // A Retry-After in force that is too long to wait out fails fast, without a request, as the 429 itself did.
      if (this.notBeforeMs - now > this.options.maxRetryAfterMs) {
        throw new RateLimitedError(
          `rate limited by an earlier 429: no request before ${new Date(this.notBeforeMs).toISOString()}`,
          this.notBeforeMs - now,
        );
      }
      const at = Math.max(this.nextSlotMs, this.notBeforeMs);
      if (at <= now) break;
      await this.options.sleep(at - now);
    }
    this.nextSlotMs = Math.max(this.nextSlotMs, this.options.now()) + this.options.minIntervalMs;
  }
}

function withAttempts(error: MedPatchError, attempts: number): MedPatchError {
  const message = `${error.message} (gave up after ${attempts} attempts)`;
  const options = { cause: error, context: { ...error.context, attempts } };
  return error instanceof RateLimitedError
    ? new RateLimitedError(message, error.retryAfterMs, options)
    : new TransientError(message, options);
}

import {
  AuthError,
  type MedPatchError,
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
    const parsed = JSON.parse(body) as { error?: { message?: unknown; detail?: unknown } };
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : '';
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

/** One HTTP exchange with a per-request timeout; network failures become TransientError. */
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
    throw new TransientError(
      `${request.method} ${new URL(request.url).pathname}: ${describeNetworkError(error)}`,
      {
        cause: error,
      },
    );
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
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

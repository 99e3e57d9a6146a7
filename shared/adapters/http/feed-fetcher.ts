import { gunzipSync } from 'node:zlib';
import type { FeedFetcher } from '../../application/poll-feeds';
import { classifyResponse, describeNetworkError } from '../../connectors/http-client';
import { ConfigurationError, TransientError, ValidationError } from '../../errors';

/** Feeds are public files; this bounds what one response may hold (the EPSS CSV is ~10 MB uncompressed). */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Fetches public feed files over HTTP(S) with a per-request timeout, mapping failures to the shared error
 * vocabulary (classifyResponse: 5xx transient, 404 not found, 429 rate limited; network: transient, DNS:
 * configuration). A `.gz` URL or a gzip body (magic bytes 1f 8b) is decompressed with node:zlib.
 */
export class FetchFeedFetcher implements FeedFetcher {
  constructor(private readonly timeoutMs: number = 30_000) {}

  async fetchText(url: string): Promise<string> {
    const bytes = await this.fetchBytes(url);
    const gzip =
      new URL(url).pathname.toLowerCase().endsWith('.gz') || (bytes[0] === 0x1f && bytes[1] === 0x8b);
    if (!gzip) return bytes.toString('utf8');
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_BYTES }).toString('utf8');
    } catch (error) {
      throw new ValidationError(`GET ${url}: not a readable gzip file (${String(error)})`, [], {
        cause: error,
      });
    }
  }

  private async fetchBytes(url: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const { kind, text } = describeNetworkError(error);
      if (kind === 'dns') {
        throw new ConfigurationError(`GET ${url}: host does not resolve (${text})`, {
          cause: error,
          context: { network: kind },
        });
      }
      throw new TransientError(
        `GET ${url}: ${kind === 'timeout' ? `timed out after ${this.timeoutMs} ms` : text}`,
        {
          cause: error,
          context: { network: kind },
        },
      );
    }
    const body = Buffer.from(await res.arrayBuffer());
    const error = classifyResponse(
      { status: res.status, headers: res.headers, body: res.ok ? '' : body.toString('utf8', 0, 200) },
      `GET ${url}`,
    );
    if (error) throw error;
    if (body.length > MAX_BYTES) throw new ValidationError(`GET ${url}: larger than ${MAX_BYTES} bytes`, []);
    return body;
  }
}

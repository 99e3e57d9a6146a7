import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to one request instead of forwarding it. */
export type ProxyFault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'timeout'; holdMs: number };

export interface ProxyLogEntry {
  at: number;
  method: string;
  path: string;
  status: number | 'reset' | 'timeout';
  retryAfter: string | null;
}

/**
 * A real HTTP proxy in front of a CMMS simulator: forwards requests unchanged, or answers the next ones with a
 * queued fault (a status, a reset connection, a request held past the client's timeout). Every request is logged
 * with its time, so tests can check retries and Retry-After waits from the server's side.
 */
export interface FaultProxy {
  readonly url: string;
  target(url: string): void;
  failNext(fault: ProxyFault, count?: number): void;
  readonly log: ProxyLogEntry[];
  /** Drops queued faults and the log. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(): Promise<FaultProxy> {
  let target = '';
  const queue: ProxyFault[] = [];
  const log: ProxyLogEntry[] = [];
  const held = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const at = Date.now();
    const entry = (status: ProxyLogEntry['status'], retryAfter: string | null = null) =>
      log.push({ at, method: req.method ?? 'GET', path: req.url ?? '/', status, retryAfter });
    const fault = queue.shift();
    if (fault?.kind === 'reset') {
      entry('reset');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'timeout') {
      entry('timeout');
      const timer = setTimeout(() => {
        held.delete(timer);
        req.socket.destroy();
      }, fault.holdMs);
      held.add(timer);
      return;
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...fault.headers };
      entry(fault.status, headers['Retry-After'] ?? null);
      res.writeHead(fault.status, headers);
      res.end(
        fault.body ??
          JSON.stringify({
            error: { message: `Injected ${fault.status}`, detail: 'fault proxy' },
            status: 'failure',
          }),
      );
      return;
    }
    void forward(req, target).then(
      ({ status, headers, body }) => {
        entry(status, headers.get('retry-after'));
        const out: Record<string, string> = {};
        headers.forEach((value, name) => {
          if (
            !['content-length', 'transfer-encoding', 'connection', 'content-encoding', 'keep-alive'].includes(
              name,
            )
          )
            out[name] = value;
        });
        res.writeHead(status, out);
        res.end(body);
      },
      () => {
        entry('reset');
        req.socket.destroy(); // the backend dropped the connection: pass the drop on
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    log,
    target: (next) => {
      target = next.replace(/\/+$/, '');
    },
    reset: () => {
      queue.length = 0;
      log.length = 0;
    },
    failNext: (fault, count = 1) => {
      for (let i = 0; i < count; i++) queue.push(fault);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function forward(
  req: IncomingMessage,
  target: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
      headers[name] = value;
  }
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  const res = await fetch(`${target}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

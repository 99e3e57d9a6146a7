import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthService, type SimOAuthClient, type SimUser } from './auth';
import { SimClock } from './clock';
import { FaultInjector, type FaultOptions } from './faults';
import { createPrng } from './prng';
import { RateLimiter, type RateLimitRule } from './rate-limit';
import { createRequestHandler } from './server';
import { type JournalEntry, RecordStore, type SnRecord } from './store';
import { TableCatalog } from './tables';

export type { SimOAuthClient, SimUser } from './auth';
export type { FaultOptions } from './faults';
export type { RateLimitRule } from './rate-limit';
export type { JournalEntry, SnRecord } from './store';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Basic-auth and OAuth password-grant users; default `[{ username: 'admin', password: 'admin' }]`. */
  users?: SimUser[];
  /** OAuth clients; default `[{ clientId: 'medpatch', clientSecret: 'medpatch-secret' }]`. */
  oauthClients?: SimOAuthClient[];
  /** Mirrors glide.oauth.inbound.client.credential.grant_type.enabled; default false. */
  clientCredentialsEnabled?: boolean;
  /** Access token lifespan; default 1800. */
  tokenTtlSeconds?: number;
  /** Injectable clock for record stamps, token expiry and rate-limit windows; default the system clock. */
  now?: () => Date;
  /** Seed of the PRNG behind sys_ids, tokens and fault decisions; default 1. */
  seed?: number;
  rateLimit?: RateLimitRule[];
  faults?: FaultOptions;
  /** Mirrors glide.invalid_query.returns_no_rows: unknown query fields yield no rows instead of being ignored. */
  invalidQueryReturnsNoRows?: boolean;
}

export interface ServiceNowSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Closes the server and every open socket. */
  stop(): Promise<void>;
  /**
   * Direct seeding, bypassing HTTP, auth, faults and rate limits. Sets the system fields (sys_id, stamps,
   * sys_class_name = table, number) unless `sys_id`/`sys_created_on`/… are given; throws on unknown tables or
   * fields. Journal fields append to sys_journal_field. Returns a copy of the stored record.
   */
  insert(table: string, record: Record<string, string>): SnRecord;
  /** Copies of the rows of `table` AND of every class extending it (like a Table API GET), in insertion order. */
  list(table: string): SnRecord[];
  /** A copy of one record of `table` (or a child class), or undefined. */
  get(table: string, sysId: string): SnRecord | undefined;
  /** Journal entries (work_notes, comments) written to a record, oldest first. */
  journal(sysId: string): JournalEntry[];
  setFaults(faults: FaultOptions): void;
  /** Replaces the rate-limit rules and resets their counters. */
  setRateLimits(rules: RateLimitRule[]): void;
  /** HTTP requests received so far, including faulted, rejected and token requests. */
  requestCount(): number;
  /** Moves the simulator clock forward (token expiry, rate-limit windows, record stamps). */
  advanceClock(ms: number): void;
  /** The simulator clock's current time. */
  now(): Date;
}

const DEFAULT_USERS: SimUser[] = [{ username: 'admin', password: 'admin' }];
const DEFAULT_CLIENTS: SimOAuthClient[] = [{ clientId: 'medpatch', clientSecret: 'medpatch-secret' }];
const SEEDED_RELATIONSHIP_TYPES = [
  ['Connects to::Connected by', 'Connects to', 'Connected by'],
  ['Depends on::Used by', 'Depends on', 'Used by'],
  ['Runs on::Runs', 'Runs on', 'Runs'],
] as const;

export async function startServiceNowSimulator(options: SimulatorOptions = {}): Promise<ServiceNowSimulator> {
  const random = createPrng(options.seed ?? 1);
  const clock = new SimClock(options.now);
  const store = new RecordStore(new TableCatalog(), clock, random);
  const users = options.users ?? DEFAULT_USERS;
  const auth = new AuthService(
    {
      users,
      clients: options.oauthClients ?? DEFAULT_CLIENTS,
      clientCredentialsEnabled: options.clientCredentialsEnabled ?? false,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 1800,
      refreshTokenTtlSeconds: 8_640_000,
    },
    clock,
    random,
  );
  const rateLimiter = new RateLimiter(clock, options.rateLimit ?? []);
  const faults = new FaultInjector(random, options.faults ?? {});
  for (const user of users)
    store.insert('sys_user', { user_name: user.username, name: user.username }, { user: 'system' });
  for (const [name, parent, child] of SEEDED_RELATIONSHIP_TYPES) {
    store.insert(
      'cmdb_rel_type',
      { name, parent_descriptor: parent, child_descriptor: child },
      { user: 'system' },
    );
  }

  let requests = 0;
  let baseUrl = '';
  const timers = new Set<NodeJS.Timeout>();
  const handler = createRequestHandler({
    store,
    auth,
    rateLimiter,
    faults,
    clock,
    baseUrl: () => baseUrl,
    invalidQueryReturnsNoRows: options.invalidQueryReturnsNoRows ?? false,
    sleep: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  });
  const server = createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    port,
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return stopped;
    },
    insert: (table, record) => {
      if (!store.catalog.has(table)) throw new Error(`Invalid table ${table}`);
      return {
        ...store.insert(table, record, {
          user: 'system',
          rejectUnknownFields: true,
          allowSystemOverrides: true,
        }),
      };
    },
    list: (table) => {
      if (!store.catalog.has(table)) throw new Error(`Invalid table ${table}`);
      return store.rows(table).map((row) => ({ ...row }));
    },
    get: (table, sysId) => {
      const record = store.get(table, sysId);
      return record === undefined ? undefined : { ...record };
    },
    journal: (sysId) => store.journal(sysId),
    setFaults: (next) => faults.set(next),
    setRateLimits: (rules) => rateLimiter.setRules(rules),
    requestCount: () => requests,
    advanceClock: (ms) => clock.advance(ms),
    now: () => clock.now(),
  };
}

import { z } from 'zod';

const isLoopback = (hostname: string) =>
  hostname === 'localhost' ||
  hostname === '[::1]' ||
  hostname === '::1' ||
  /^127\.\d+\.\d+\.\d+$/.test(hostname);

/** ServiceNow connector settings, version 1. Plain http is accepted only for loopback (the local simulator). */
export const ServiceNowConfig = z.object({
  configVersion: z.literal(1).default(1),
  instanceUrl: z
    .url({ message: 'instanceUrl must be a URL such as https://hospital.service-now.com' })
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    }, 'instanceUrl must use https (plain http is allowed only for loopback addresses)')
    .transform((value) => value.replace(/\/+$/, '')),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string() }),
    z.object({
      kind: z.literal('oauth'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      username: z.string().optional(),
      password: z.string().optional(),
    }),
  ]),
  deviceTable: z.string().default('cmdb_ci_med_device'),
  workOrderTable: z.enum(['change_request', 'wm_order', 'incident']).default('change_request'),
  pageSize: z.number().int().min(1).max(10_000).default(500),
  timeoutMs: z.number().int().positive().default(20_000),
  maxAttempts: z.number().int().min(1).max(20).default(6),
});
export type ServiceNowConfig = z.infer<typeof ServiceNowConfig>;
export type ServiceNowConfigInput = z.input<typeof ServiceNowConfig>;

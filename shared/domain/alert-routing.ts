import * as z from 'zod';
import { ALERT_CHANNELS, ALERT_ROLES, type AlertChannel, type AlertRole } from './alerts';
import { Action, Decision } from './vocabulary';

/**
 * Who receives which alert, declared as data: one subscription per recipient (role, channel, endpoint, optional
 * narrowing), turned into SNS subscription filter policies on the message attributes alerts.ts sets. The CDK
 * stack creates one SNS subscription per entry; the local stack subscribes one capture queue per entry with the
 * same filter policy on fauxqs.
 */

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** SNS limits a filter policy to 5 attribute keys and 150 value combinations. */
export const SNS_FILTER_MAX_KEYS = 5;
export const SNS_FILTER_MAX_COMBINATIONS = 150;
/** SMS goes only to the decisions that cannot wait for office hours. */
export const SMS_DECISIONS = ['IMMEDIATE', 'OUT_OF_CYCLE'] as const satisfies readonly Decision[];

const nonEmptyList = z.array(z.string().trim().min(1)).min(1);

export const AlertSubscription = z
  .object({
    /** Stable id: CDK logical id suffix and local capture queue name (`alerts-<id>`). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, ≤ 40 chars'),
    role: z.enum(ALERT_ROLES),
    channel: z.enum(ALERT_CHANNELS),
    /** An email address, or an E.164 phone number (`+15551234567`) for SMS. */
    endpoint: z.string().trim(),
    /** Only alerts of these departments (required for department managers). */
    departments: nonEmptyList.optional(),
    /** Only these SSVC decisions; SMS subscriptions are limited to IMMEDIATE / OUT_OF_CYCLE. */
    decisions: z.array(Decision).min(1).optional(),
    actions: z.array(Action).min(1).optional(),
    deviceTypes: nonEmptyList.optional(),
    sites: nonEmptyList.optional(),
  })
  .strict()
  .superRefine((sub, ctx) => {
    if (sub.channel === 'email' && !EMAIL.test(sub.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'email subscriptions need an email address',
      });
    if (sub.channel === 'sms' && !E164.test(sub.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'SMS subscriptions need an E.164 phone number such as +15551234567',
      });
    if (sub.role === 'department_manager' && !sub.departments)
      ctx.addIssue({
        code: 'custom',
        path: ['departments'],
        message: 'department managers must name their departments',
      });
    if (sub.channel === 'sms') {
      const outside = (sub.decisions ?? []).filter((d) => !(SMS_DECISIONS as readonly string[]).includes(d));
      if (outside.length > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['decisions'],
          message: `SMS is only for ${SMS_DECISIONS.join(' and ')}, not ${outside.join(', ')}`,
        });
    }
  });
export type AlertSubscription = z.infer<typeof AlertSubscription>;
export type AlertSubscriptionInput = z.input<typeof AlertSubscription>;

export const AlertRoutingConfig = z
  .object({ subscriptions: z.array(AlertSubscription) })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.subscriptions.forEach((sub, index) => {
      if (seen.has(sub.id))
        ctx.addIssue({
          code: 'custom',
          path: ['subscriptions', index, 'id'],
          message: `duplicate id ${sub.id}`,
        });
      seen.add(sub.id);
      const policy = filterPolicyFor(sub);
      const keys = Object.keys(policy).length;
      const combinations = Object.values(policy).reduce((n, values) => n * values.length, 1);
      if (keys > SNS_FILTER_MAX_KEYS || combinations > SNS_FILTER_MAX_COMBINATIONS)
        ctx.addIssue({
          code: 'custom',
          path: ['subscriptions', index],
          message: `filter policy has ${keys} keys and ${combinations} combinations; SNS allows ${SNS_FILTER_MAX_KEYS} and ${SNS_FILTER_MAX_COMBINATIONS}`,
        });
    });
  });
export type AlertRoutingConfig = z.infer<typeof AlertRoutingConfig>;

/** Parses a routing config (JSON text or value); errors name the subscription and field. */
export function parseAlertRouting(input: unknown): AlertRoutingConfig {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new Error(`Alert routing config is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = AlertRoutingConfig.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `Invalid alert routing config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** An SNS filter policy on message attributes: each key lists the accepted values (AND across keys, OR within). */
export type FilterPolicy = Record<string, string[]>;

/**
 * The filter policy of a subscription. Every policy names its channel (email and SMS texts are published as
 * separate messages); SMS only ever sees IMMEDIATE / OUT_OF_CYCLE; department managers get their departments'
 * alerts and departmental digests, the other roles finding alerts and the hospital-wide digest.
 */
export function filterPolicyFor(sub: AlertSubscription): FilterPolicy {
  const policy: FilterPolicy = { channel: [sub.channel] };
  const decisions = sub.channel === 'sms' ? (sub.decisions ?? [...SMS_DECISIONS]) : sub.decisions;
  if (decisions) policy.decision = [...new Set(decisions)];
  if (sub.departments) policy.department = [...new Set(sub.departments)];
  if (sub.channel === 'email')
    policy.digestScope = sub.role === 'department_manager' ? ['none', 'department'] : ['none', 'hospital'];
  if (sub.actions) policy.action = [...new Set(sub.actions)];
  if (sub.deviceTypes) policy.deviceType = [...new Set(sub.deviceTypes)];
  if (sub.sites) policy.site = [...new Set(sub.sites)];
  return policy;
}

/** What the CDK stack creates per subscription (protocol, endpoint, filter policy as JSON-able data). */
export interface SnsSubscriptionPlan {
  id: string;
  role: AlertRole;
  channel: AlertChannel;
  protocol: 'email' | 'sms';
  endpoint: string;
  filterPolicy: FilterPolicy;
}

export function subscriptionPlan(config: AlertRoutingConfig): SnsSubscriptionPlan[] {
  return config.subscriptions.map((sub) => ({
    id: sub.id,
    role: sub.role,
    channel: sub.channel,
    protocol: sub.channel,
    endpoint: sub.endpoint,
    filterPolicy: filterPolicyFor(sub),
  }));
}

/**
 * The demo hospital's routing (fictional recipients on reserved example domains and 555 numbers): used by the
 * local stack so `medpatch run` shows who would receive what.
 */
export const DEMO_ALERT_ROUTING: AlertRoutingConfig = parseAlertRouting({
  subscriptions: [
    {
      id: 'clinical-engineering-email',
      role: 'clinical_engineering',
      channel: 'email',
      endpoint: 'clinical-engineering@hospital.example',
    },
    {
      id: 'it-security-email',
      role: 'it_security',
      channel: 'email',
      endpoint: 'it-security@hospital.example',
    },
    {
      id: 'icu-manager-email',
      role: 'department_manager',
      channel: 'email',
      endpoint: 'icu-manager@hospital.example',
      departments: ['ICU'],
    },
    {
      id: 'ed-manager-email',
      role: 'department_manager',
      channel: 'email',
      endpoint: 'ed-manager@hospital.example',
      departments: ['ED'],
    },
    { id: 'oncall-biomed-sms', role: 'oncall_biomed', channel: 'sms', endpoint: '+15555550100' },
  ],
});

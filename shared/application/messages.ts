import * as z from 'zod';

/** Messages on the match queue: something changed that may create, change or close findings. */
export const MatchMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('device-changed'), deviceId: z.string().min(1) }),
  z.object({
    type: z.literal('advisory-changed'),
    advisoryId: z.string().min(1),
    trackingVersion: z.string(),
  }),
]);
export type MatchMessage = z.infer<typeof MatchMessage>;

/** Messages on the prioritize queue. */
export const PrioritizeMessage = z.object({
  type: z.literal('finding-changed'),
  deviceId: z.string().min(1),
  advisoryId: z.string().min(1),
});
export type PrioritizeMessage = z.infer<typeof PrioritizeMessage>;

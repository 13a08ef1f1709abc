import * as z from 'zod';
import { jsonSampleSchema, TENANT_ID_RE } from '@vigil/core';

/**
 * Messages between handlers. Every queue consumer parses its input with these schemas,
 * so a malformed message is rejected (and dead-lettered) instead of half-handled. They are
 * z.lazy: each handler builds the one it reads at its first message, not at its cold start.
 */
export const tenantSchema = z.lazy(() => z.string().regex(TENANT_ID_RE, 'invalid tenant ID'));

/**
 * ingest queue: a JSON batch pushed by a producer, or re-queued by the HTTP path; or a
 * Prometheus remote-write 1.0 body (snappy-compressed protobuf WriteRequest) in base64.
 */
export const ingestMessageSchema = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('samples'),
      tenant: tenantSchema,
      samples: z.array(jsonSampleSchema).min(1).max(100_000),
    }),
    z.object({
      kind: z.literal('remote_write'),
      tenant: tenantSchema,
      payload: z.base64('must be base64 (a snappy-compressed protobuf WriteRequest)').min(1).max(16 * 1024 * 1024),
    }),
  ]),
);
export type IngestMessage = z.output<typeof ingestMessageSchema>;

/** evaluate queue: one rule group on its schedule, the groups reading touched metrics, or everything. */
export const evaluateMessageSchema = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('group'), tenant: tenantSchema, namespace: z.string().min(1), group: z.string().min(1), at: z.number().int().optional() }),
    z.object({ kind: z.literal('touched'), tenant: tenantSchema, metrics: z.array(z.string()).min(1), at: z.number().int().optional() }),
    z.object({ kind: z.literal('sweep'), tenant: tenantSchema.optional(), at: z.number().int().optional() }),
  ]),
);
export type EvaluateMessage = z.output<typeof evaluateMessageSchema>;

/** An alert as evaluate hands it to notify (Alertmanager's postable alert, times in epoch ms). */
export const postableAlertSchema = z.lazy(() =>
  z.object({
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()).default({}),
    startsAt: z.number().int(),
    endsAt: z.number().int(),
    generatorURL: z.string().default(''),
  }),
);
export type PostableAlert = z.output<typeof postableAlertSchema>;

/** notify queue: alert updates to route and group, or a timed flush of one aggregation group. */
export const notifyMessageSchema = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('alerts'), tenant: tenantSchema, alerts: z.array(postableAlertSchema).min(1) }),
    z.object({ kind: z.literal('flush'), tenant: tenantSchema, groupId: z.string().min(1), due: z.number().int() }),
  ]),
);
export type NotifyMessage = z.output<typeof notifyMessageSchema>;

/**
 * heal queue: a firing alert matched by a runbook (`alert`), the delayed check that the
 * remediation worked (`verify`), or an operator's approval of a waiting execution (`approve`).
 * `group` names the rule group whose alert state verification reads; alerts from elsewhere
 * are verified against the notify alert store.
 */
export const healMessageSchema = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('alert'),
      tenant: tenantSchema,
      alert: postableAlertSchema,
      runbook: z.string().min(1).max(128),
      group: z.string().min(1).optional(),
    }),
    z.object({ kind: z.literal('verify'), tenant: tenantSchema, executionId: z.string().min(1).max(128), due: z.number().int() }),
    z.object({ kind: z.literal('approve'), tenant: tenantSchema, executionId: z.string().min(1).max(128), approvedBy: z.string().max(256).optional() }),
  ]),
);
export type HealMessage = z.output<typeof healMessageSchema>;

/** predict trigger: a schedule tick; every tenant when `tenant` is absent. `at` pins the tick's time (epoch ms). */
export const predictMessageSchema = z.lazy(() => z.object({ kind: z.literal('tick'), tenant: tenantSchema.optional(), at: z.number().int().optional() }));
export type PredictMessage = z.output<typeof predictMessageSchema>;

/** drift-detect trigger: a schedule tick; every tenant when `tenant` is absent. `at` pins the tick's time (epoch ms). */
export const driftMessageSchema = z.lazy(() => z.object({ kind: z.literal('tick'), tenant: tenantSchema.optional(), at: z.number().int().optional() }));
export type DriftMessage = z.output<typeof driftMessageSchema>;

import { z } from 'zod';
import { endpointUrlProblem } from '../config/url.ts';

/*
 * `route.decode`: which schema registry the route's records were written for. Kept apart from
 * the decoders (no avsc, protobufjs or AWS SDK here) so config files stay light.
 */

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
// Glue registry names: 1-255 of letters, digits, hyphen, underscore, dollar, hash.
const GLUE_REGISTRY_NAME = /^[a-zA-Z0-9_$#-]{1,255}$/;

export const ConfluentRegistrySchema = z.strictObject({
  type: z.literal('confluent'),
  /** Base URL: https://, or http:// to a loopback host (local mode); e.g. Apicurio's `.../apis/ccompat/v7`. */
  url: z.string().superRefine((url, ctx) => {
    const problem = endpointUrlProblem(url);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** Per request: a registry slower than this counts as not answering (the partition waits and retries). */
  timeoutMs: z.int().min(100).max(60_000).default(5_000),
});

export const GlueRegistrySchema = z.strictObject({
  type: z.literal('glue'),
  /** The registry holding the route's schemas: the poller may read only its schemas. Any registry of the account when absent. */
  registryName: z
    .string()
    .regex(GLUE_REGISTRY_NAME, { error: 'must be a Glue registry name (1-255 of letters, digits, -_$#)' })
    .optional(),
  /** The registry's region; the poller's own when absent. */
  region: z.string().regex(REGION, { error: 'must be an AWS region such as eu-west-1' }).optional(),
});

export const DecodeSchema = z.strictObject({
  registry: z.discriminatedUnion('type', [ConfluentRegistrySchema, GlueRegistrySchema]),
  /** Decode keys too (they must then be in the registry's wire format as well). */
  key: z.boolean().default(false),
});

export type Decode = z.output<typeof DecodeSchema>;
export type DecodeInput = z.input<typeof DecodeSchema>;
export type ConfluentRegistryConfig = z.output<typeof ConfluentRegistrySchema>;
export type GlueRegistryConfig = z.output<typeof GlueRegistrySchema>;

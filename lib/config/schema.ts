import { z } from 'zod';
import { DecodeSchema } from '../decode/config.ts';
import { filterProblem } from '../filter/index.ts';
import {
  KAFKA_TOPIC_MAX_LENGTH,
  LAMBDA_MAX_TIMEOUT_MS,
  MAX_DELIVER_CONCURRENCY,
  MAX_RATE_PER_SECOND,
  MAX_RETRY_ATTEMPTS,
  MAX_ROUTE_IN_FLIGHT,
  MIN_DELIVER_CONCURRENCY,
  REDRIVE_MARGIN,
  ROUTE_NAME_MAX_LENGTH,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_MS,
} from './limits.ts';
import {
  DEFAULT_RETRYABLE_STATUSES,
  DEFAULT_SUCCESS_STATUSES,
  MAX_STATUS,
  MIN_STATUS,
  STATUS_CLASSES,
} from './status.ts';
import { endpointUrlProblem } from './url.ts';

/*
 * Field-level rules of the bridge config. Every object is strict (an unknown key is an error,
 * so a typo such as `maxInflight` fails instead of silently leaving the default in place).
 * Rules that relate several fields or several routes live in rules.ts; defaults merging and
 * error reporting in parse.ts.
 */

const ROUTE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// Kafka's own topic name rule: ASCII letters, digits, '.', '_' and '-', at most 249 characters.
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]+$/;
// Kafka accepts any group id, but ACLs, CLIs and metric names cope best with this set.
const KAFKA_ID_CHARS = /^[a-zA-Z0-9._-]*$/;
// Secrets Manager secret names: 1-512 of these characters.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
// host:port with a DNS name, an IPv4 address or a bracketed IPv6 address.
const BROKER = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

export const RouteNameSchema = z
  .string()
  .refine((name) => name.length <= ROUTE_NAME_MAX_LENGTH && ROUTE_NAME.test(name), {
    error:
      `must be kebab-case (lowercase letters and digits in words joined by single hyphens, starting ` +
      `with a letter) and 1-${ROUTE_NAME_MAX_LENGTH} characters long: it is part of the route's AWS ` +
      `resource names (queues, functions, S3 prefixes) and of its Kafka group ids`,
  });

export const KafkaTopicSchema = z
  .string()
  .refine(
    (topic) =>
      topic.length <= KAFKA_TOPIC_MAX_LENGTH && KAFKA_TOPIC.test(topic) && topic !== '.' && topic !== '..',
    {
      error: `must be a Kafka topic name: 1-${KAFKA_TOPIC_MAX_LENGTH} characters among ASCII letters, digits, '.', '_' and '-', and not '.' or '..'`,
    },
  );

/** A Secrets Manager secret, by name or by full ARN. */
export const SecretRefSchema = z.string().refine((ref) => SECRET_NAME.test(ref) || SECRET_ARN.test(ref), {
  error:
    'must be a Secrets Manager secret name (1-512 characters among letters, digits and /_+=.@-) or a secret ARN',
});

export const BrokerSchema = z.string().refine(
  (broker) => {
    const port = BROKER.exec(broker)?.[1];
    return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
  },
  {
    error: 'must be host:port (a DNS name, an IPv4 address or a bracketed IPv6 address, and a port 1-65535)',
  },
);

/** Prepended to both Kafka group ids of a route, e.g. to match a prefixed ACL such as `team-a.`. */
export const GroupPrefixSchema = z
  .string()
  .refine((prefix) => prefix.length <= 100 && KAFKA_ID_CHARS.test(prefix), {
    error: "must be at most 100 characters among ASCII letters, digits, '.', '_' and '-'",
  });

const TimeoutMsSchema = z
  .int()
  .min(1)
  .max(LAMBDA_MAX_TIMEOUT_MS, {
    error: `must be at most ${LAMBDA_MAX_TIMEOUT_MS} (15 minutes): the deliverer Lambda cannot run longer`,
  })
  .default(10_000);

/** How the bridge authenticates to an HTTP endpoint (docs/deliver.md, Endpoint authentication). */
export const EndpointAuthSchema = z.strictObject({
  /** OAuth2 client credentials: a bearer token from `tokenUrl`, cached until shortly before it expires. */
  oauth2: z
    .strictObject({
      tokenUrl: z.string().superRefine((url, ctx) => {
        const problem = endpointUrlProblem(url);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }),
      /** A secret holding `{"clientId","clientSecret"}`. */
      credentialsSecret: SecretRefSchema,
      scope: z.string().min(1).max(1000).optional(),
      audience: z.string().min(1).max(1000).optional(),
    })
    .optional(),
  /** mTLS: a secret holding `{"certificate","privateKey","caCertificate"?}` in PEM. */
  clientCertificateSecret: SecretRefSchema.optional(),
});

export const HttpEndpointSchema = z.strictObject({
  type: z.literal('http'),
  /** https://, or http:// to localhost, 127.0.0.0/8 or ::1 (local mode); never credentials. */
  url: z.string().superRefine((url, ctx) => {
    const problem = endpointUrlProblem(url);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  method: z.enum(['POST', 'PUT']).default('POST'),
  /** Per request. */
  timeoutMs: TimeoutMsSchema,
  /** A secret holding a JSON object of extra request headers (an API key, a bearer token). */
  headersSecret: SecretRefSchema.optional(),
  /** A secret holding the key(s) for the HMAC signature headers of each request. */
  signingSecret: SecretRefSchema.optional(),
  /** The signature scheme, 'bridge-v2' when absent (docs/deliver.md, Signature; rules in endpoint-rules.ts). */
  signing: z.enum(['bridge-v2', 'standard-webhooks']).optional(),
  /** Also send the legacy v1 header (timestamp and body only) beside bridge-v2; off unless true. */
  signingV1: z.boolean().optional(),
  /** 'envelope': the record with its key, headers and coordinates, as JSON; 'raw': the record value alone. */
  body: z.enum(['envelope', 'raw']).default('envelope'),
  auth: EndpointAuthSchema.optional(),
});

export const LambdaEndpointSchema = z.strictObject({
  type: z.literal('lambda'),
  functionArn: z.string().regex(LAMBDA_ARN, {
    error:
      'must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>])',
  }),
  timeoutMs: TimeoutMsSchema,
});

export const EndpointSchema = z.discriminatedUnion('type', [HttpEndpointSchema, LambdaEndpointSchema]);

export const RetrySchema = z.strictObject({
  /** Attempts in all, in process and across SQS receives, before the record is dead-lettered. */
  attempts: z
    .number()
    .min(1)
    // abort: a number far too large gets this one message, not also the safe-integer one.
    .max(MAX_RETRY_ATTEMPTS, {
      error: `must be at most ${MAX_RETRY_ATTEMPTS}: SQS hands a message out at most ${SQS_MAX_RECEIVE_COUNT} times (maxReceiveCount, with ${REDRIVE_MARGIN} kept for crashes); onPoison: 'block' retries without end`,
      abort: true,
    })
    .int()
    .default(8),
  /** Quick attempts within one invocation before the message goes back to SQS to wait. */
  inProcessAttempts: z.int().min(1).default(3),
  /** The first backoff step; step n waits base * 2^n, capped at maxMs. */
  baseMs: z.int().min(1).default(200),
  maxMs: z
    .int()
    .min(1)
    .max(SQS_MAX_VISIBILITY_MS, {
      error: `must be at most ${SQS_MAX_VISIBILITY_MS} (12 hours): waits between receives are SQS visibility timeouts, which cannot be longer`,
    })
    .default(15 * 60 * 1000),
  /** 'full': wait a random time up to the step, so retries of many records spread out. */
  jitter: z.enum(['full', 'none']).default('full'),
});

const STATUS_RULE = `must be a status code (${MIN_STATUS}-${MAX_STATUS}) or a class such as '5xx'`;
export const StatusPatternSchema = z.union(
  [
    z.int().min(MIN_STATUS, { error: STATUS_RULE }).max(MAX_STATUS, { error: STATUS_RULE }),
    z.enum(STATUS_CLASSES),
  ],
  { error: STATUS_RULE },
);

export const ResponsesSchema = z.strictObject({
  /** Answers that count as delivered. */
  success: z
    .array(StatusPatternSchema)
    .min(1, { error: 'must list at least one status, or no record could ever be delivered' })
    .default(() => [...DEFAULT_SUCCESS_STATUSES]),
  /** Answers worth another attempt; any other non-success answer dead-letters the record at once. */
  retryable: z.array(StatusPatternSchema).default(() => [...DEFAULT_RETRYABLE_STATUSES]),
});

export const RateLimitSchema = z
  .strictObject({
    /** Records per second for the whole route, shared by its partitions. */
    perSecond: z
      .number()
      .positive()
      .max(MAX_RATE_PER_SECOND, {
        error: `must be at most ${MAX_RATE_PER_SECOND} (what one SQS FIFO queue takes at most); leave rateLimit out for no limit`,
      }),
    /** Records allowed at once after a quiet spell; defaults to one second's worth. */
    burst: z.int().min(1).optional(),
  })
  .transform((limit) => ({
    perSecond: limit.perSecond,
    burst: limit.burst ?? Math.max(1, Math.ceil(limit.perSecond)),
  }));

export const BreakerSchema = z.strictObject({
  /** The breaker opens when at least this share of the recent calls failed. */
  failureRatio: z.number().gt(0).lte(1).default(0.5),
  /** ...and the window holds at least this many calls, so two failures of three do not open it. */
  minCalls: z.int().min(1).default(20),
  /** How far back "recent" reaches. */
  windowMs: z.int().min(1).default(60_000),
  /** How long the endpoint is left alone once the breaker opened. */
  cooldownMs: z
    .int()
    .min(1)
    .max(SQS_MAX_VISIBILITY_MS, {
      error: `must be at most ${SQS_MAX_VISIBILITY_MS} (12 hours): held messages wait as SQS visibility timeouts`,
    })
    .default(30_000),
});

/** How one route's deliverer calls its endpoint. */
export const DeliverSchema = z.strictObject({
  /**
   * The endpoint's concurrency: calls in flight to it at most, across the route's deliverer
   * invocations. Each invocation calls the message groups of its batch concurrently (each group
   * in order); when set, the deliverer's concurrency is derived from it (lib/config/derived.ts
   * deliverConcurrency) instead of `concurrency` invocations of up to 10 calls each.
   */
  maxCallsInFlight: z
    .int()
    .min(MIN_DELIVER_CONCURRENCY, {
      error: `must be at least ${MIN_DELIVER_CONCURRENCY}: the SQS event source runs at least 2 invocations`,
    })
    .max(MAX_DELIVER_CONCURRENCY * 10, {
      error: `must be at most ${MAX_DELIVER_CONCURRENCY * 10}: 1000 invocations of 10 calls`,
    })
    .optional(),
  /** Several records in one request (docs/deliver.md, Batched calls); one record a call when absent. */
  batch: z
    .strictObject({
      maxRecords: z
        .int()
        .min(1)
        .max(10, { error: 'must be at most 10: an SQS FIFO batch hands the deliverer at most 10 records' })
        .default(10),
      /** The request body's size at most; a single record larger than this is sent alone. */
      maxBytes: z
        .int()
        .min(1024)
        .max(6 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .optional(),
});

export const AlertsSchema = z.strictObject({
  /** The team's own Discord webhook URL, in Secrets Manager; alerts also go to the bridge's channel. */
  discordWebhookSecret: SecretRefSchema.optional(),
  /** Who to call, shown in the alert (a name, a handle, a rota). */
  oncall: z.string().min(1).max(200).optional(),
});

const PatternSchema = z.record(z.string(), z.unknown(), { error: 'must be a filter pattern object' });
/** One pattern or a list (any one matching forwards the record); compiled here, so a bad one fails the synth. */
export const FilterSchema = z
  .union(
    [PatternSchema, z.array(PatternSchema).min(1, { error: 'must list at least one pattern', abort: true })],
    {
      error: 'must be a filter pattern object or a list of them',
    },
  )
  .superRefine((spec, ctx) => {
    const problem = filterProblem(spec);
    if (problem !== undefined)
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  });

export const RouteSchema = z.strictObject({
  /** Kebab-case, 1-40 characters; names the route's queues, functions, S3 prefixes and Kafka group ids. */
  name: RouteNameSchema,
  /** The Kafka topics whose records this route delivers. */
  topics: z.array(KafkaTopicSchema).min(1, { error: 'must list at least one Kafka topic' }),
  endpoint: EndpointSchema,
  /** Prepended to the route's Kafka group ids (see names.ts). */
  groupPrefix: GroupPrefixSchema.default(''),
  /** 'key': order per record key (null keys in partition order); 'partition': one order per partition; 'none': no order. */
  ordering: z.enum(['key', 'partition', 'none']).default('key'),
  /** Records forwarded but not yet committed, per partition, before the poller pauses the partition. */
  maxInFlight: z
    .int()
    .min(1)
    .max(MAX_ROUTE_IN_FLIGHT, {
      error: `must be at most ${MAX_ROUTE_IN_FLIGHT}: SQS finds available message groups only among the first 120000 messages of a FIFO queue`,
    })
    .default(1000),
  rateLimit: RateLimitSchema.optional(),
  retry: RetrySchema.prefault({}),
  responses: ResponsesSchema.prefault({}),
  /**
   * A record that keeps failing: 'quarantine' dead-letters it and parks the key's later records
   * until an operator replays the key; 'dlq' dead-letters it and lets the key go on; 'block'
   * never dead-letters it, holding its message group until it succeeds.
   */
  onPoison: z.enum(['quarantine', 'dlq', 'block']).default('quarantine'),
  /** Where a partition starts when the progress group has no committed offset for it yet. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  /** The deliverer's maximum concurrency (the SQS event source allows 2-1000). */
  concurrency: z
    .int()
    .min(MIN_DELIVER_CONCURRENCY, {
      error: 'must be at least 2: the SQS event source maximum concurrency range is 2-1000',
    })
    .max(MAX_DELIVER_CONCURRENCY, {
      error: 'must be at most 1000: the SQS event source maximum concurrency range is 2-1000',
    })
    .default(10),
  deliver: DeliverSchema.prefault({}),
  /** A circuit breaker for the endpoint; none when absent. */
  breaker: BreakerSchema.optional(),
  alerts: AlertsSchema.optional(),
  /** A JSON Schema each record value must satisfy; a record that does not is dead-lettered at once. */
  schema: z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' }).optional(),
  /** The route's partition count (all its topics together), when known: checked against the SQS look-ahead. */
  partitions: z.int().min(1).optional(),
  /** Records to forward, by key, headers and value (lib/filter); a record no pattern matches is skipped. */
  filter: FilterSchema.optional(),
  /** Values (and keys) in a schema registry's wire format, decoded to JSON before filter and envelope (lib/decode). */
  decode: DecodeSchema.optional(),
  /** Where dead letters go besides the S3 archive and the DLQ (docs/deliver.md, Kafka failure destination). */
  deadLetter: z.strictObject({ kafkaTopic: KafkaTopicSchema }).optional(),
});

/** Route settings that `defaults` may give every route; a route's own value wins. */
export const RouteDefaultsSchema = RouteSchema.omit({
  name: true,
  topics: true,
  endpoint: true,
  schema: true,
  partitions: true,
  filter: true,
}).partial();

export const KafkaSchema = z.strictObject({
  /** Bootstrap brokers, host:port. */
  brokers: z.array(BrokerSchema).min(1, { error: 'must list at least one broker (host:port)' }),
  clientId: z
    .string()
    .refine((id) => id.length >= 1 && id.length <= 255 && KAFKA_ID_CHARS.test(id), {
      error: "must be 1-255 characters among ASCII letters, digits, '.', '_' and '-'",
    })
    .optional(),
  ssl: z.boolean().default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['scram-sha-256', 'scram-sha-512', 'plain', 'aws-iam']),
      /**
       * For SCRAM and PLAIN: a secret holding `{ "username": ..., "password": ... }` (MSK's
       * format; for PLAIN the API key and secret of Confluent Cloud, Redpanda or Aiven), plus an
       * optional `caCertificate` (PEM) for brokers whose certificate no public CA signed.
       */
      secret: SecretRefSchema.optional(),
    })
    .optional(),
  /**
   * Mutual TLS: a secret holding `{ "certificate", "privateKey", "caCertificate"? }` in PEM
   * (docs/deploy.md, "Kafka authentication"). Needs `ssl: true`; not combined with `sasl`.
   */
  mtls: z.strictObject({ secret: SecretRefSchema }).optional(),
});

export type HttpEndpoint = z.output<typeof HttpEndpointSchema>;
export type EndpointAuth = z.output<typeof EndpointAuthSchema>;
export type HttpEndpointInput = z.input<typeof HttpEndpointSchema>;
export type LambdaEndpoint = z.output<typeof LambdaEndpointSchema>;
export type LambdaEndpointInput = z.input<typeof LambdaEndpointSchema>;
export type Endpoint = z.output<typeof EndpointSchema>;
export type EndpointInput = z.input<typeof EndpointSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;
export type RetryPolicyInput = z.input<typeof RetrySchema>;
export type Responses = z.output<typeof ResponsesSchema>;
export type ResponsesInput = z.input<typeof ResponsesSchema>;
export type RateLimit = z.output<typeof RateLimitSchema>;
export type RateLimitInput = z.input<typeof RateLimitSchema>;
export type Breaker = z.output<typeof BreakerSchema>;
export type BreakerInput = z.input<typeof BreakerSchema>;
export type Alerts = z.output<typeof AlertsSchema>;
export type AlertsInput = z.input<typeof AlertsSchema>;
export type Ordering = Route['ordering'];
export type OnPoison = Route['onPoison'];
export type StartFrom = Route['startFrom'];
export type Route = z.output<typeof RouteSchema>;
export type RouteInput = z.input<typeof RouteSchema>;
export type RouteDefaultsInput = z.input<typeof RouteDefaultsSchema>;
export type KafkaConfig = z.output<typeof KafkaSchema>;
export type KafkaConfigInput = z.input<typeof KafkaSchema>;
export type SaslMechanism = NonNullable<KafkaConfig['sasl']>['mechanism'];

/** The validated config, every default applied (route `defaults` already merged into each route). */
export interface BridgeConfig {
  readonly kafka: KafkaConfig;
  readonly routes: readonly Route[];
}

/** What bridge.config.ts declares. */
export interface BridgeConfigInput {
  kafka: KafkaConfigInput;
  routes: RouteInput[];
  /** Settings applied to every route that does not set them; nested objects merge key by key. */
  defaults?: RouteDefaultsInput;
}

import { RecordSchema } from '../schema/record-schema.ts';
import { endpointIssues } from './endpoint-rules.ts';
import { MAX_ROUTE_IN_FLIGHT, SQS_FIFO_LOOKAHEAD } from './limits.ts';
import {
  deadLetterQueueName,
  membershipGroupId,
  progressGroupId,
  queueName,
  redriveQueueName,
} from './names.ts';
import type { KafkaConfig, Route } from './schema.ts';
import { formatStatusRanges, overlappingStatuses } from './status.ts';

/*
 * Rules that relate several fields or several routes. They run on values that already passed
 * the field rules (schema.ts), so they can rely on types and defaults; parse.ts reports their
 * issues next to the field-level ones.
 */

/** A problem found by a rule; `path` is relative to the route (or to `kafka`). */
export interface RuleIssue {
  /** Index in `routes` of the route at fault; absent for rules outside routes. */
  readonly routeIndex?: number;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Rules between the fields of one route. */
export function routeIssues(route: Route): RuleIssue[] {
  const issues: RuleIssue[] = [...endpointIssues(route)];
  const { retry } = route;
  if (retry.inProcessAttempts > retry.attempts) {
    issues.push({
      path: ['retry', 'inProcessAttempts'],
      message: `must be at most retry.attempts (${retry.attempts}), which counts the in-process attempts too`,
    });
  }
  if (retry.baseMs > retry.maxMs) {
    issues.push({
      path: ['retry', 'baseMs'],
      message: `must be at most retry.maxMs (${retry.maxMs}), the cap of every backoff step`,
    });
  }
  if (route.partitions !== undefined && route.partitions * route.maxInFlight > MAX_ROUTE_IN_FLIGHT) {
    issues.push({
      path: ['maxInFlight'],
      message:
        `partitions (${route.partitions}) x maxInFlight (${route.maxInFlight}) = ${route.partitions * route.maxInFlight} ` +
        `must stay at most ${MAX_ROUTE_IN_FLIGHT}: SQS finds available message groups only among the first ` +
        `${SQS_FIFO_LOOKAHEAD} messages of a FIFO queue, so blocked keys could starve the others; lower maxInFlight`,
    });
  }
  const seen = new Set<string>();
  route.topics.forEach((topic, index) => {
    if (seen.has(topic)) issues.push({ path: ['topics', index], message: `lists topic ${topic} twice` });
    seen.add(topic);
  });
  const overlap = overlappingStatuses(route.responses.success, route.responses.retryable);
  if (overlap.length > 0) {
    issues.push({
      path: ['responses', 'retryable'],
      message: `overlaps responses.success on ${formatStatusRanges(overlap)}: a status must be one or the other`,
    });
  }
  if (route.schema !== undefined) {
    // Compiled here so a broken schema fails at synth, not on the first record.
    try {
      new RecordSchema(route.schema);
    } catch (error) {
      issues.push({ path: ['schema'], message: error instanceof Error ? error.message : String(error) });
    }
  }
  return issues;
}

/** Rules between the fields of the Kafka connection; paths are relative to `kafka`. */
export function kafkaIssues(kafka: KafkaConfig): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const { sasl } = kafka;
  if (kafka.mtls !== undefined) {
    if (!kafka.ssl) {
      issues.push({
        path: ['ssl'],
        message: 'must be true with mtls: the client certificate is sent over TLS',
      });
    }
    if (sasl !== undefined) {
      issues.push({
        path: ['mtls'],
        message: 'must not be combined with sasl: a client authenticates with one of them',
      });
    }
  }
  if (sasl === undefined) return issues;
  if (sasl.mechanism === 'aws-iam') {
    if (sasl.secret !== undefined) {
      issues.push({
        path: ['sasl', 'secret'],
        message: 'must not be set with aws-iam: the IAM role of the task or function authenticates',
      });
    }
    if (!kafka.ssl) {
      issues.push({
        path: ['ssl'],
        message: 'must be true with sasl aws-iam: IAM authentication is offered over TLS only',
      });
    }
  } else if (sasl.secret === undefined) {
    issues.push({
      path: ['sasl', 'secret'],
      message: `is required with ${sasl.mechanism}: the secret holds the username and password`,
    });
  }
  if (sasl.mechanism === 'plain' && !kafka.ssl) {
    issues.push({
      path: ['ssl'],
      message: 'must be true with sasl plain: PLAIN sends the password as it is, so only over TLS',
    });
  }
  return issues;
}

/** A parsed route and its position in `routes`. */
export interface IndexedRoute {
  readonly index: number;
  readonly route: Route;
}

/**
 * Rules between routes (duplicate names are checked by parse.ts, which also sees routes that
 * failed their own rules). No route's failure topic is a topic a route reads. Two routes must not share a Kafka group id: with different group
 * prefixes, `a-` + `b-orders` and `a-b-` + `orders` are the same group, and the second route's
 * pollers would join the first one's group.
 */
export function crossRouteIssues(routes: readonly IndexedRoute[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const groups = new Map<string, { readonly name: string; readonly role: string }>();
  const topics = new Map<string, { readonly topic: string; readonly name: string }>();
  const readers = new Map(routes.flatMap(({ route }) => route.topics.map((t) => [t, route.name] as const)));
  for (const { index, route } of routes) {
    // A failure topic a route reads would turn dead letters into that route's records (a loop
    // for the route itself).
    const deadLetterTopic = route.deadLetter?.kafkaTopic;
    const reader = deadLetterTopic === undefined ? undefined : readers.get(deadLetterTopic);
    if (reader !== undefined) {
      issues.push({
        routeIndex: index,
        path: ['deadLetter', 'kafkaTopic'],
        message: `${deadLetterTopic} is a topic route ${reader} reads: its dead letters would become that route's records`,
      });
    }
    // Every name derived from the route that lives in a shared namespace: Kafka group ids, and
    // SQS queue names (route `orders-dlq`'s queue would be route `orders`'s DLQ).
    const own: [string, string][] = [
      [progressGroupId(route), 'progress group'],
      [membershipGroupId(route), 'membership group'],
      [queueName(route), 'queue'],
      [deadLetterQueueName(route), 'dead-letter queue'],
      [redriveQueueName(route), 'redrive queue'],
    ];
    // Same-name routes are already reported as duplicates; their groups collide by consequence.
    const clash = own
      .map(([groupId, role]) => ({ groupId, role, owner: groups.get(groupId) }))
      .find(({ owner }) => owner !== undefined && owner.name !== route.name);
    if (clash?.owner !== undefined) {
      // One line per route: a clash of progress groups implies one of membership groups too.
      issues.push({
        routeIndex: index,
        path: ['name'],
        message: `its ${clash.role} ${clash.groupId} is also the ${clash.owner.role} of route ${clash.owner.name}: ${clash.role.endsWith('queue') ? 'change the name' : 'change the name or groupPrefix'}`,
      });
    }
    for (const [groupId, role] of own)
      if (!groups.has(groupId)) groups.set(groupId, { name: route.name, role });
    route.topics.forEach((topic, topicIndex) => {
      // Kafka uses topic names in metric names with '.' replaced by '_', and refuses to create a
      // topic whose name collides with an existing one that way: both cannot exist in one cluster.
      const normalized = topic.replaceAll('.', '_');
      const first = topics.get(normalized);
      if (first !== undefined && first.topic !== topic) {
        issues.push({
          routeIndex: index,
          path: ['topics', topicIndex],
          message: `topic ${topic} collides with topic ${first.topic} of route ${first.name}: Kafka treats '.' and '_' alike in topic names and cannot hold both`,
        });
      }
      if (first === undefined) topics.set(normalized, { topic, name: route.name });
    });
  }
  return issues;
}

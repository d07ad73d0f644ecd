/**
 * Names derived from a route's name. The CDK stack, the poller, the deliverer, the commit
 * function and the CLI must agree on them, so they are computed here and nowhere else.
 * Route names are unique and kebab-case (validated), so these names are unique and valid too.
 */

/** What naming needs of a route; a parsed `Route` fits. */
export interface RouteNaming {
  readonly name: string;
  /** Prepended to both Kafka group ids; none when absent. */
  readonly groupPrefix?: string;
}

/**
 * The group the route's pollers join only to share its partitions. Nothing meaningful is
 * committed to it: the broker refuses commits from a non-member while a group has members, so
 * the commit function writes to the progress group instead.
 */
export function membershipGroupId(route: RouteNaming): string {
  return `${progressGroupId(route)}.pollers`;
}

/**
 * The route's public group id: no member ever joins it and only the commit function writes its
 * offsets, so it is the single source of truth of what is done (what lag monitors show).
 */
export function progressGroupId(route: RouteNaming): string {
  return `${route.groupPrefix ?? ''}${route.name}`;
}

/** The route's SQS FIFO queue (FIFO queue names must end in `.fifo`). */
export function queueName(route: RouteNaming): string {
  return `${route.name}.fifo`;
}

/** The route's dead-letter queue, FIFO too (SQS requires a FIFO queue's DLQ to be FIFO). */
export function deadLetterQueueName(route: RouteNaming): string {
  return `${route.name}-dlq.fifo`;
}

/**
 * Where SQS itself moves messages that exhausted maxReceiveCount (deliverer crashes, timeouts).
 * Not the DLQ: the redrive consumer archives and completes them, then forwards them to the DLQ,
 * so the DLQ only ever holds dead letters for people to read and replay, and is never drained
 * by a function.
 */
export function redriveQueueName(route: RouteNaming): string {
  return `${route.name}-redrive.fifo`;
}

/** Where the poller puts record values too large for SQS (claim check); expired by lifecycle rules. */
export function payloadPrefix(route: RouteNaming): string {
  return `payloads/${route.name}/`;
}

/** Where the deliverer archives dead-lettered records with their error history. */
export function archivePrefix(route: RouteNaming): string {
  return `archive/${route.name}/`;
}

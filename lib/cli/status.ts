import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { progressGroupId, type Route } from '../config/index.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import type { CliContext } from './context.ts';
import { filteredLastHour } from './filtered.ts';

export interface QueueDepth {
  /** Messages waiting to be received (ApproximateNumberOfMessages). */
  readonly visible: number;
  /** Messages received and not deleted yet, or waiting out a backoff (ApproximateNumberOfMessagesNotVisible). */
  readonly inFlight: number;
}

export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** The progress group's committed offset; null when the partition has none yet (never polled). */
  readonly committed: string | null;
  /** The log end offset (high watermark): the offset the next record will get. */
  readonly logEnd: string;
  /** Records between the committed offset (or the log start, when none) and the log end. */
  readonly lag: string;
}

export interface RouteStatus {
  readonly route: string;
  readonly progressGroup: string;
  readonly partitions: readonly PartitionStatus[];
  /** In flight, approximately: every message in the route's queue, waiting or being delivered. */
  readonly inFlight: number;
  readonly queue: QueueDepth;
  /** Dead letters waiting in the DLQ. */
  readonly deadLetters: number;
  /**
   * Records the route's filter left out over the last hour (committed, never sent), from the
   * poller's metric (lib/cli/filtered.ts); null when no poller published it in that hour.
   */
  readonly filtered: number | null;
}

/** Per route and partition: committed offset, log end, lag; per route: queue and DLQ depth, filtered records. */
export async function status(
  ctx: CliContext,
  routeName?: string,
  /** `filtered: false` leaves the CloudWatch read out (filtered is then null): for callers that only need offsets. */
  options: { readonly filtered?: boolean } = {},
): Promise<RouteStatus[]> {
  const routes = ctx.routes(routeName);
  const kafka = await ctx.kafka();
  const offsets = new KafkaOffsets(kafka);
  try {
    const result: RouteStatus[] = [];
    for (const route of routes)
      result.push(await routeStatus(ctx, offsets, route, options.filtered !== false));
    return result;
  } finally {
    await offsets.disconnect();
  }
}

async function routeStatus(
  ctx: CliContext,
  offsets: KafkaOffsets,
  route: Route,
  withFiltered: boolean,
): Promise<RouteStatus> {
  const group = progressGroupId(route);
  const partitions = await ctx.withKafka(async () => {
    await offsets.connect();
    const rows: PartitionStatus[] = [];
    for (const topic of route.topics) {
      const [committed, marks] = await allDone(offsets.committed(group, topic), offsets.watermarks(topic));
      for (const [partition, mark] of [...marks].sort(([a], [b]) => a - b)) {
        const done = committed.get(partition);
        // Without a committed offset nothing is done yet: everything still in the log is lag.
        const from = done ?? mark.low;
        const lag = mark.high > from ? mark.high - from : 0n;
        rows.push({
          topic,
          partition,
          committed: done === undefined ? null : done.toString(),
          logEnd: mark.high.toString(),
          lag: lag.toString(),
        });
      }
    }
    return rows;
  });
  const [queue, dlq, filtered] = await Promise.all([
    depth(ctx, await ctx.queueUrl(route)),
    depth(ctx, await ctx.deadLetterQueueUrl(route)),
    withFiltered ? filteredLastHour(ctx, route) : null,
  ]);
  return {
    route: route.name,
    progressGroup: group,
    partitions,
    inFlight: queue.visible + queue.inFlight,
    queue,
    deadLetters: dlq.visible + dlq.inFlight,
    filtered,
  };
}

export async function depth(ctx: CliContext, queueUrl: string): Promise<QueueDepth> {
  const out = await ctx.aws('SQS', () =>
    ctx.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * Both results, like Promise.all, but only once both calls have finished: with Promise.all the
 * caller would disconnect while the other call is still under way, and kafkajs reconnects for it
 * (a missing topic's metadata retry) after the disconnect, leaving a socket open for good.
 */
export async function allDone<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

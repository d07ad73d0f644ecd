import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ResourceAccess } from '../aws/access.ts';
import { queueName, type RouteNaming } from '../config/index.ts';
import { PollerError } from './errors.ts';

/** What the poller's start calls on each route's queue: GetQueueUrl, once. */
export const QUEUE_LOOKUP_ACCESS: ResourceAccess = { actions: ['sqs:GetQueueUrl'] };

/** The URL of the route's queue, as the poller looks it up at start; a PollerError naming the queue. */
export async function routeQueueUrl(sqs: SQSClient, route: RouteNaming): Promise<string> {
  let answer: { QueueUrl?: string | undefined };
  try {
    answer = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName(route) }));
  } catch (error) {
    // The SDK's message ("The specified queue does not exist.") does not say which queue.
    throw new PollerError(
      route.name,
      `GetQueueUrl ${queueName(route)} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (answer.QueueUrl === undefined)
    throw new PollerError(route.name, `GetQueueUrl ${queueName(route)} returned no URL`);
  return answer.QueueUrl;
}

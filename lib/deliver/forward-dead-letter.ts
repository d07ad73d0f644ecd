import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { BridgeError } from '../errors.ts';

/**
 * Sends a dead letter the deliverer already finished (archived, completed, `bridge-archive`
 * attribute) on to the route's DLQ as it came: body, message group, deduplication id and every
 * string attribute. With `deadLetter.kafkaTopic` the deliverer's dead letters pass through the
 * redrive queue so the DLQ consumer writes them to the topic first (docs/deliver.md).
 */
export async function forwardDeadLetter(sqs: SQSClient, queueUrl: string, record: SQSRecord): Promise<void> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of Object.entries(record.messageAttributes)) {
    if (attribute.stringValue === undefined) continue;
    attributes[name] = { DataType: attribute.dataType, StringValue: attribute.stringValue };
  }
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: record.body,
        MessageGroupId: record.attributes.MessageGroupId ?? 'malformed',
        MessageDeduplicationId: record.attributes.MessageDeduplicationId ?? record.messageId,
        MessageAttributes: attributes,
      }),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BridgeError(
      `cannot forward dead letter ${record.messageId} to the dead-letter queue: ${reason}`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
}

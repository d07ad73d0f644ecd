// Reads back what a run left behind, for the invariant checker (checker.ts): the topic's
// records (with a digest of each value), the archive, the progress group's offsets, and the
// messages in a route's DLQ.

import type { S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import { Archive } from '../archive/archive.ts';
import { progressGroupId } from '../config/index.ts';
import { parseRecordId } from '../envelope/index.ts';
import type { KafkaOffsets } from '../kafka/offsets.ts';
import type { ArchivedRecord, ProducedRecord } from './checker.ts';
import { valueDigest } from './values.ts';

/** Reads every record of a topic back, from the low to the high watermark of each partition. */
export async function readTopic(kafka: Kafka, topic: string, groupId: string): Promise<ProducedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const records: ProducedRecord[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, rebalanceTimeout: 6_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`readTopic ${topic}: partitions ${[...remaining].join(',')} not read within 60 s`),
          ),
        60_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            const high = ends.get(partition) ?? 0n;
            if (offset < high)
              records.push({
                partition,
                offset,
                key: message.key === null ? null : message.key.toString('utf8'),
                valueDigest: valueDigest(message.value),
              });
            if (offset + 1n >= high) {
              remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Every archive object of the route: the record id, outcome, reason and when it was archived. */
export async function readArchive(s3: S3Client, bucket: string, route: string): Promise<ArchivedRecord[]> {
  const records: ArchivedRecord[] = [];
  for await (const { key, record } of new Archive(s3, bucket).list(route)) {
    if (record.recordId === undefined) {
      throw new Error(
        `archive object ${key} has no recordId (a malformed message): not a record of the topic`,
      );
    }
    parseRecordId(record.recordId);
    records.push({
      recordId: record.recordId,
      outcome: record.outcome,
      reason: record.reason,
      archivedAt: Date.parse(record.archivedAt),
    });
  }
  return records;
}

/** The progress group's committed offsets and the log ends of the route's topic. */
export async function readOffsets(
  offsets: KafkaOffsets,
  route: { readonly name: string; readonly groupPrefix?: string },
  topic: string,
): Promise<{ committed: Map<number, bigint>; logEnd: Map<number, bigint> }> {
  const committed = await offsets.committed(progressGroupId(route), topic);
  const watermarks = await offsets.watermarks(topic);
  return { committed, logEnd: new Map([...watermarks].map(([p, w]) => [p, w.high])) };
}

/**
 * The record ids (`bridge-record-id`) of the messages in a route's DLQ, received with a long
 * visibility timeout so each is read once. Nothing consumes a DLQ, so after a run it holds every
 * dead letter; a FIFO queue hands out at most 10 messages of one group per receive and none
 * while they are in flight, so a key with more than 10 dead letters is read only in part.
 */
export async function readDeadLetterQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['bridge-record-id'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) empty += 1;
    for (const message of messages) {
      const id = message.MessageAttributes?.['bridge-record-id']?.StringValue;
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}

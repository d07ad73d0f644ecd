// kafkajs 2.2.4 (last release Feb 2023) against the local Apache Kafka 4.x broker
// (scripts/kafka.sh). Kafka 4 removed old protocol versions (KIP-896); these tests prove that
// everything the bridge does with kafkajs still works, and pin down the broker facts the design
// relies on (docs/architecture.md, "Kafka groups"; docs/testing.md):
//   (a) the admin API writes and reads the offsets of a group without members (the progress group);
//   (b) Kafka refuses offsets of a group while it has an active member, whoever sends them;
//   (c) transactions leave gaps in a partition's offsets (control records, aborted records).
// Needs the broker running: `bash scripts/kafka.sh start`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin, Consumer, IHeaders, KafkaMessage } from 'kafkajs';
import { KafkaOffsets, ProgressGroupHasMembersError } from '../../lib/kafka/offsets.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';

const kafka = createKafka('kafka-conformance-test');
const topics: string[] = [];
let admin: Admin;

async function newTopic(prefix: string, partitions: number): Promise<string> {
  const name = uniqueName(prefix);
  await createTopic(name, partitions);
  topics.push(name);
  return name;
}

interface Received {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Consumes `topic` from the beginning in `groupId` until `count` records arrived (then stops) or
 * `timeoutMs` passed (then fails, saying how many came).
 */
async function consume(
  topic: string,
  groupId: string,
  count: number,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<Received[]> {
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    ...(options.readUncommitted ? { readUncommitted: true } : {}),
  });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const timeoutMs = options.timeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`consume ${topic}: got ${received.length} of ${count} records in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ partition, message });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
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
  return received;
}

/** Starts a consumer in `groupId` and resolves once it joined the group (it stays a member). */
async function joinedConsumer(topic: string, groupId: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
  });
  await consumer.run({
    eachMessage: async () => {
      // Nothing to do: this consumer only holds a membership in the group.
    },
  });
  await joined;
  return consumer;
}

async function committed(groupId: string, topic: string): Promise<Map<number, string>> {
  const result = await admin.fetchOffsets({ groupId, topics: [topic] });
  const entry = result.find((t) => t.topic === topic);
  assert.ok(entry, `fetchOffsets for ${groupId} returned no entry for ${topic}`);
  return new Map(entry.partitions.map((p) => [p.partition, p.offset]));
}

async function groupState(groupId: string): Promise<{ state: string; members: number }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((g) => g.groupId === groupId);
  assert.ok(group, `describeGroups returned nothing for ${groupId}`);
  return { state: group.state, members: group.members.length };
}

function headerBuffer(headers: IHeaders | undefined, name: string): Buffer | Buffer[] | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const toBuffer = (v: Buffer | string): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v));
  return Array.isArray(value) ? value.map(toBuffer) : toBuffer(value);
}

// ---- a non-member's OffsetCommit ------------------------------------------------------------
// kafkajs has no public API that sends an OffsetCommit outside a group membership (setOffsets
// checks the group client-side first, see test (b)). lib/kafka/offsets.ts sends one, as Kafka's
// own admin tools do (generation -1, empty member id): the commit function writes the progress
// group that way. These tests show what the broker answers to it.

async function commitAsNonMember(
  groupId: string,
  topic: string,
  partition: number,
  offset: bigint,
): Promise<void> {
  const offsets = new KafkaOffsets(kafka);
  await offsets.connect();
  try {
    await offsets.commit(groupId, topic, new Map([[partition, offset]]));
  } finally {
    await offsets.disconnect();
  }
}

describe(`kafkajs 2.2.4 against the local Kafka broker (${kafkaBrokers().join(',')})`, () => {
  before(async () => {
    await assertKafkaReachable();
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    try {
      await deleteTopics(topics);
    } finally {
      await admin?.disconnect();
    }
  });

  test('produces to a 3-partition topic and consumes every record back in a group: keys, headers and binary values byte for byte, in order per key', async () => {
    // Prepare: records with 12 keys (they hash to all 3 partitions), binary values holding every
    // byte value, binary and UTF-8 headers, a repeated header, an empty value and a tombstone.
    const topic = await newTopic('conformance', 3);
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const sent = Array.from({ length: 60 }, (_, i) => ({
      key: Buffer.from(`key-${i % 12}`),
      value:
        i === 0
          ? Buffer.alloc(0)
          : i === 1
            ? null
            : Buffer.concat([everyByte, Buffer.from([i & 0xff, 0x00, 0xff])]),
      headers: {
        id: String(i),
        binary: Buffer.from([0x00, 0xff, 0x80, i & 0xff]),
        text: 'héllo ✓',
        repeated: ['first', 'second'],
      },
    }));
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    // Act
    let produced: Awaited<ReturnType<typeof producer.send>>;
    try {
      produced = await producer.send({ topic, messages: sent, acks: -1 });
    } finally {
      await producer.disconnect();
    }
    const received = await consume(topic, uniqueName('conformance-group'), sent.length);

    // Assess: every record exactly once, identical bytes.
    assert.equal(received.length, sent.length);
    const byId = new Map<number, Received>();
    for (const r of received) {
      const id = Number(headerBuffer(r.message.headers, 'id')?.toString());
      assert.ok(!byId.has(id), `record ${id} was consumed twice`);
      byId.set(id, r);
    }
    for (const [i, s] of sent.entries()) {
      const r = byId.get(i);
      assert.ok(r, `record ${i} was not consumed`);
      const { message } = r;
      assert.deepEqual(message.key, s.key, `key of record ${i}`);
      assert.deepEqual(message.value, s.value, `value of record ${i}`);
      assert.deepEqual(
        headerBuffer(message.headers, 'binary'),
        s.headers.binary,
        `binary header of record ${i}`,
      );
      assert.equal(headerBuffer(message.headers, 'text')?.toString('utf8'), 'héllo ✓');
      assert.deepEqual(headerBuffer(message.headers, 'repeated'), [
        Buffer.from('first'),
        Buffer.from('second'),
      ]);
      assert.match(message.offset, /^\d+$/, 'offsets are decimal strings');
    }
    // Order per key: one partition per key, and within it the records in the order produced.
    const perKey = new Map<string, Received[]>();
    for (const r of received) {
      const key = r.message.key?.toString() ?? '';
      perKey.set(key, [...(perKey.get(key) ?? []), r]);
    }
    for (const [key, records] of perKey) {
      assert.equal(new Set(records.map((r) => r.partition)).size, 1, `${key} spread over partitions`);
      const ids = records.map((r) => Number(headerBuffer(r.message.headers, 'id')?.toString()));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        `records of ${key} arrived out of order`,
      );
    }
    assert.deepEqual(
      new Set(received.map((r) => r.partition)),
      new Set([0, 1, 2]),
      'every partition got records',
    );
    assert.deepEqual(new Set(produced.map((p) => p.partition)), new Set([0, 1, 2]));
  });

  test('fetchTopicOffsets reports each partition’s low and high watermarks as decimal strings', async () => {
    // Prepare
    const topic = await newTopic('watermarks', 3);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // Act: 5 records to partition 0, 2 to partition 1, none to partition 2.
      await producer.send({
        topic,
        messages: [
          ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `p0-${i}` })),
          ...Array.from({ length: 2 }, (_, i) => ({ partition: 1, value: `p1-${i}` })),
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(topic);

    // Assess
    const byPartition = new Map(offsets.map((o) => [o.partition, o]));
    assert.deepEqual(
      [0, 1, 2].map((p) => ({ low: byPartition.get(p)?.low, high: byPartition.get(p)?.high })),
      [
        { low: '0', high: '5' },
        { low: '0', high: '2' },
        { low: '0', high: '0' },
      ],
    );
  });

  test('the local broker does not create topics on demand: producing to a missing topic fails', async () => {
    // Prepare: a producer that asks for auto-creation (kafkajs's default), with few retries.
    const missing = uniqueName('never-created');
    const producer = kafka.producer({
      allowAutoTopicCreation: true,
      retry: { retries: 1, initialRetryTime: 100 },
    });
    await producer.connect();

    // Act + Assess
    try {
      // kafkajs wraps the broker's answer (in KafkaJSNumberOfRetriesExceeded or its parent
      // KafkaJSNonRetriableError, depending on where its retries ran out) and keeps it as the cause.
      await assert.rejects(
        producer.send({ topic: missing, messages: [{ value: 'x' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Error, 'an Error');
          assert.match(error.name, /^KafkaJS(NumberOfRetriesExceeded|NonRetriableError)$/);
          assert.equal(error.message, 'This server does not host this topic-partition');
          assert.ok(error.cause instanceof Error, 'the broker error is the cause');
          assert.equal(error.cause.name, 'KafkaJSProtocolError');
          assert.equal(Reflect.get(error.cause, 'type'), 'UNKNOWN_TOPIC_OR_PARTITION');
          return true;
        },
      );
    } finally {
      await producer.disconnect();
    }
    assert.equal((await admin.listTopics()).includes(missing), false, `${missing} was created`);
  });

  test('(a) setOffsets writes the offsets of a group without members (the progress group) and fetchOffsets reads them back', async (t) => {
    // Prepare
    const topic = await newTopic('progress', 3);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [0, 1, 2].flatMap((partition) =>
          Array.from({ length: 4 }, (_, i) => ({ partition, value: `${partition}-${i}` })),
        ),
      });
    } finally {
      await producer.disconnect();
    }
    const groupId = uniqueName('progress-group');
    const before = await committed(groupId, topic);

    // Act
    let started = performance.now();
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '0' },
        { partition: 2, offset: '4' },
      ],
    });
    t.diagnostic(`first setOffsets took ${Math.round(performance.now() - started)} ms`);
    const first = await committed(groupId, topic);
    // The commit function advances one partition at a time: the others must stay where they are.
    started = performance.now();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
    t.diagnostic(`second setOffsets took ${Math.round(performance.now() - started)} ms`);
    const second = await committed(groupId, topic);

    // Assess
    assert.deepEqual(
      before,
      new Map([
        [0, '-1'],
        [1, '-1'],
        [2, '-1'],
      ]),
      'a new group has no committed offsets (kafkajs reports -1)',
    );
    assert.deepEqual(
      first,
      new Map([
        [0, '2'],
        [1, '0'],
        [2, '4'],
      ]),
    );
    assert.deepEqual(
      second,
      new Map([
        [0, '3'],
        [1, '0'],
        [2, '4'],
      ]),
    );
    // setOffsets joins the group for a moment (kafkajs commits through a short-lived consumer);
    // afterwards the group is empty again, so the next commit is accepted too.
    assert.deepEqual(await groupState(groupId), { state: 'Empty', members: 0 });
  });

  test('(b) offsets of a group with an active member are refused: setOffsets by kafkajs, a non-member OffsetCommit by the broker', async (t) => {
    // Prepare: one consumer is a member of `groupId`; `emptyGroupId` never had one.
    const topic = await newTopic('membership', 1);
    const groupId = uniqueName('membership-group');
    const emptyGroupId = uniqueName('empty-group');
    const member = await joinedConsumer(topic, groupId);
    let memberStopped = false;
    try {
      assert.deepEqual(await groupState(groupId), { state: 'Stable', members: 1 });

      // Act + Assess: kafkajs's setOffsets checks the group itself and refuses.
      await assert.rejects(
        admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] }),
        {
          name: 'KafkaJSNonRetriableError',
          message: 'The consumer group must have no running instances, current state: Stable',
        },
      );

      // Act + Assess: the broker refuses a commit from outside the membership, the one any client
      // without a member id (kafkajs internals, Kafka's own tools) sends.
      await assert.rejects(commitAsNonMember(groupId, topic, 0, 0n), (error: unknown) => {
        assert.ok(error instanceof ProgressGroupHasMembersError, String(error));
        assert.deepEqual(
          {
            name: (error.cause as Error).name,
            type: (error.cause as { type?: unknown }).type,
            code: (error.cause as { code?: unknown }).code,
          },
          { name: 'KafkaJSProtocolError', type: 'UNKNOWN_MEMBER_ID', code: 25 },
        );
        return true;
      });
      // The very same request to a group without members is accepted: membership is the reason.
      const started = performance.now();
      await commitAsNonMember(emptyGroupId, topic, 0, 0n);
      t.diagnostic(
        `a non-member OffsetCommit to an empty group took ${Math.round(performance.now() - started)} ms`,
      );
      assert.equal((await committed(emptyGroupId, topic)).get(0), '0');

      // Once the member leaves, the group is empty and setOffsets works on it as well.
      await member.disconnect();
      memberStopped = true;
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
      assert.equal((await committed(groupId, topic)).get(0), '0');
    } finally {
      if (!memberStopped) await member.disconnect();
    }
  });

  test('(c) transactional records leave gaps in the offsets: a control record after each transaction, aborted records skipped', async () => {
    // Prepare
    const topic = await newTopic('transactions', 1);
    const producer = kafka.producer({
      transactionalId: uniqueName('bridge-test-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();

    // Act: commit 3 records, abort 2, commit 2.
    try {
      const batches: [values: string[], outcome: 'commit' | 'abort'][] = [
        [['t1-a', 't1-b', 't1-c'], 'commit'],
        [['t2-a', 't2-b'], 'abort'],
        [['t3-a', 't3-b'], 'commit'],
      ];
      for (const [values, outcome] of batches) {
        const transaction = await producer.transaction();
        try {
          await transaction.send({ topic, messages: values.map((value) => ({ value })) });
        } catch (error) {
          await transaction.abort();
          throw error;
        }
        await (outcome === 'commit' ? transaction.commit() : transaction.abort());
      }
    } finally {
      await producer.disconnect();
    }
    const committedOnly = await consume(topic, uniqueName('read-committed'), 5);
    const uncommitted = await consume(topic, uniqueName('read-uncommitted'), 7, { readUncommitted: true });
    const [watermarks] = await admin.fetchTopicOffsets(topic);

    // Assess: offsets 0-2 (t1), 3 its commit marker, 4-5 (t2), 6 its abort marker, 7-8 (t3),
    // 9 its commit marker; the log end is 10.
    const view = (records: Received[]) =>
      records.map((r) => `${r.message.offset}:${r.message.value?.toString()}`);
    assert.deepEqual(view(committedOnly), ['0:t1-a', '1:t1-b', '2:t1-c', '7:t3-a', '8:t3-b']);
    // read_uncommitted still skips the control records, but delivers the aborted ones.
    assert.deepEqual(view(uncommitted), [
      '0:t1-a',
      '1:t1-b',
      '2:t1-c',
      '4:t2-a',
      '5:t2-b',
      '7:t3-a',
      '8:t3-b',
    ]);
    assert.equal(watermarks?.high, '10');
    const offsets = committedOnly.map((r) => BigInt(r.message.offset));
    const contiguous = offsets.every((offset, i) => i === 0 || offset === (offsets[i - 1] ?? -1n) + 1n);
    assert.equal(contiguous, false, 'a consumer sees gaps: offset + 1 is not always the next record');
  });
});

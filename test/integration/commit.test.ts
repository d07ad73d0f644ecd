// The commit function's logic (lib/commit) against the real Kafka broker and DynamoDB in moto:
// completions in DynamoDB, offsets in the route's progress group.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Kafka, Producer } from 'kafkajs';
import { type CommitTarget, Committer } from '../../lib/commit/committer.ts';
import { CommitLease } from '../../lib/commit/lease.ts';
import type { CompletionStatus } from '../../lib/completion/completion.ts';
import { Ledger } from '../../lib/completion/ledger.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { assertReachable, awsEndpoint, dynamoClient } from '../support/aws.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  uniqueName,
} from '../support/kafka.ts';

let kafka: Kafka;
let producer: Producer;
let offsets: KafkaOffsets;
let dynamo: DynamoDBClient;
let tableName: string;
const topics: string[] = [];

/** A route on a new topic, with its start position written to the progress group as the poller does. */
async function newRoute(partitions = 1): Promise<CommitTarget> {
  const topic = uniqueName('commit');
  topics.push(topic);
  await createTopic(topic, partitions);
  const target: CommitTarget = {
    route: uniqueName('route'),
    progressGroupId: uniqueName('progress'),
    topics: [topic],
  };
  await offsets.commit(
    target.progressGroupId,
    topic,
    new Map(Array.from({ length: partitions }, (_, p) => [p, 0n])),
  );
  return target;
}

async function produce(topic: string, count: number, partition = 0): Promise<void> {
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({ partition, key: `k${i}`, value: `v${i}` })),
  });
}

function store(): CompletionStore {
  return new CompletionStore({ client: dynamo, tableName });
}

function ledger(): Ledger {
  return new Ledger({ client: dynamo, tableName });
}

function committer(owner = 'test', commitOffsets: KafkaOffsets = offsets): Committer {
  return new Committer({
    offsets: commitOffsets,
    ledger: ledger(),
    completions: store(),
    lease: new CommitLease(dynamo, tableName),
    owner,
  });
}

/** One ledger entry finishing the records at the given offsets, `from` = offset (no gaps). */
async function entry(target: CommitTarget, offsetsToFinish: number[], partition = 0): Promise<void> {
  await ledger().writeEntry(
    target.route,
    offsetsToFinish.map((offset) => ({
      topic: target.topics[0] as string,
      partition,
      from: BigInt(offset),
      offset: BigInt(offset),
      status: 'delivered' as const,
      attempts: 1,
    })),
  );
}

/** Completes the records at the given offsets, each record's `from` being the previous offset + 1. */
async function complete(
  target: CommitTarget,
  offsetsToComplete: number[],
  status: CompletionStatus = 'delivered',
) {
  const topic = target.topics[0] as string;
  for (const offset of offsetsToComplete) {
    await store().put({
      route: target.route,
      topic,
      partition: 0,
      from: BigInt(offset),
      offset: BigInt(offset),
      status,
      at: Date.now(),
      attempts: 1,
    });
  }
}

async function progress(target: CommitTarget): Promise<bigint | undefined> {
  return (await offsets.committed(target.progressGroupId, target.topics[0] as string)).get(0);
}

describe('commit: progress group offsets follow the chain of completions', () => {
  before(async () => {
    await assertKafkaReachable();
    await assertReachable(awsEndpoint(), 'moto (DynamoDB)');
    kafka = createKafka('commit-test');
    producer = kafka.producer();
    await producer.connect();
    offsets = new KafkaOffsets(kafka);
    await offsets.connect();
    dynamo = dynamoClient();
    tableName = uniqueName('completions');
    await dynamo.send(new CreateTableCommand(completionTableDefinition(tableName)));
  });

  after(async () => {
    await producer?.disconnect();
    await offsets?.disconnect();
    await deleteTopics(topics);
  });

  test('completions 0,1,2,4,5 commit 3; adding 3 commits 6', async () => {
    // Prepare
    const target = await newRoute();
    await produce(target.topics[0] as string, 6);
    await complete(target, [0, 1, 2, 4, 5]);

    // Act
    const first = await committer().commitRoute(target);

    // Assess
    assert.equal(first.status, 'committed');
    assert.equal(await progress(target), 3n);
    const p0 = first.status === 'committed' ? first.partitions[0] : undefined;
    assert.equal(p0?.waitingBehindHole, 2);
    assert.equal(p0?.lag, 3n);

    // Act: the hole closes
    await complete(target, [3], 'dead-lettered');
    const second = await committer().commitRoute(target);

    // Assess
    assert.equal(await progress(target), 6n);
    assert.equal(second.status === 'committed' ? second.partitions[0]?.lag : undefined, 0n);
    const topic = target.topics[0] as string;
    assert.deepEqual(
      (await store().listFrom(target.route, topic, 0, 0n)).map((c) => c.offset),
      [0n, 1n, 2n, 3n, 4n, 5n],
      'the passed completions stay until their TTL (the chain walk never reads below the committed offset)',
    );
    assert.deepEqual(await store().listFrom(target.route, topic, 0, 6n), [], 'nothing ahead of the offset');
  });

  test('ledger entries: one item per batch, merged into the route state; a hole waits, then closes', async () => {
    const target = await newRoute();
    await produce(target.topics[0] as string, 8);
    // Out of order and one twice: the merge is a set.
    await entry(target, [4, 5, 0]);
    await entry(target, [1, 2]);
    await entry(target, [1, 2]);

    const first = await committer().commitRoute(target);
    assert.equal(await progress(target), 3n, '3 is not finished: the commit waits behind it');
    assert.equal(first.status === 'committed' ? first.partitions[0]?.waitingBehindHole : undefined, 2);
    const state = await ledger().state(target.route, true);
    assert.deepEqual(state.partitions.get(`${target.topics[0]}#0`)?.segments, [{ from: 4n, offset: 5n }]);

    await entry(target, [3, 6, 7]);
    await committer().commitRoute(target);
    assert.equal(await progress(target), 8n);
  });

  test('the state write fails after the Kafka commit: the next run goes on from Kafka, never back', async () => {
    const target = await newRoute();
    await produce(target.topics[0] as string, 6);
    await entry(target, [0, 1, 2]);
    const failing = new CommitLease(dynamo, tableName);
    failing.release = async () => {
      throw new Error('injected: died before the state write');
    };
    const crashed = new Committer({
      offsets,
      ledger: ledger(),
      completions: store(),
      lease: failing,
      owner: 'x',
      leaseMs: 1_500,
      leaseMarginMs: 0,
    });
    await assert.rejects(crashed.commitRoute(target), /injected/);
    assert.equal(await progress(target), 3n, 'Kafka was committed before the crash');
    assert.equal((await ledger().state(target.route, true)).readFrom, undefined, 'no state was written');

    // The lease of the crashed run expires; the next run rebuilds from every entry.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await entry(target, [3, 4, 5]);
    const next = await committer('y').commitRoute(target);
    assert.equal(next.status, 'committed', "the crashed run's lease expired");
    assert.equal(next.status === 'committed' ? next.partitions[0]?.before : undefined, 3n);
    assert.equal(await progress(target), 6n);
  });

  test('the Kafka commit fails after the merge: nothing is written, the next run merges again', async () => {
    const target = await newRoute();
    await produce(target.topics[0] as string, 3);
    await entry(target, [0, 1, 2]);
    const broken = {
      committed: (group: string, topic: string) => offsets.committed(group, topic),
      watermarks: (topic: string) => offsets.watermarks(topic),
      commit: async () => {
        throw new Error('injected: Kafka refused');
      },
    } as unknown as KafkaOffsets;
    await assert.rejects(committer('a', broken).commitRoute(target), /injected/);
    assert.equal(await progress(target), 0n);
    assert.equal((await ledger().state(target.route, true)).readFrom, undefined);
    await committer('b').commitRoute(target);
    assert.equal(await progress(target), 3n);
  });

  test('a transactional topic commits to the log end once every record completes, across control markers', async () => {
    // Prepare: two committed transactions; each leaves a control record (a gap in the offsets).
    const target = await newRoute();
    const topic = target.topics[0] as string;
    const txProducer = kafka.producer({
      transactionalId: uniqueName('commit-tx'),
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await txProducer.connect();
    try {
      for (const batch of [3, 2]) {
        const tx = await txProducer.transaction();
        await tx.send({
          topic,
          messages: Array.from({ length: batch }, (_, i) => ({ partition: 0, value: `t${i}` })),
        });
        await tx.commit();
      }
    } finally {
      await txProducer.disconnect();
    }
    // Read the records as the poller does (read_committed) to learn their offsets.
    const seen = await readOffsets(topic, 5);
    assert.deepEqual(seen, [0n, 1n, 2n, 4n, 5n], 'offset 3 is the first transaction marker');
    const logEnd = (await offsets.watermarks(topic)).get(0)?.high;
    assert.equal(logEnd, 7n, 'offset 6 is the second marker');

    // Act: complete each record with `from` = previous offset + 1, as the poller forwards them.
    let from = 0n;
    for (const offset of seen) {
      await store().put({
        route: target.route,
        topic,
        partition: 0,
        from,
        offset,
        status: 'delivered',
        at: Date.now(),
        attempts: 1,
      });
      from = offset + 1n;
    }
    await committer().commitRoute(target);

    // Assess: the committed offset stops after the last record (6), before the trailing marker.
    // The poller covers a trailing gap when it forwards the next record, whose `from` is 6.
    assert.equal(await progress(target), 6n);
  });

  test('two commit runs at once never move an offset backwards and end at the right offset', async () => {
    // Prepare
    const target = await newRoute();
    await produce(target.topics[0] as string, 40);
    const lease = new CommitLease(dynamo, tableName);

    // Act: complete records while two committers run concurrently, many times over.
    const seen: bigint[] = [];
    let completed = 0;
    const runs: Promise<unknown>[] = [];
    for (let round = 0; round < 8; round++) {
      await complete(
        target,
        Array.from({ length: 5 }, (_, i) => completed + i),
      );
      completed += 5;
      runs.push(
        Promise.all([committer('a').commitRoute(target), committer('b').commitRoute(target)]).then(
          async (results) => {
            seen.push((await progress(target)) ?? -1n);
            return results;
          },
        ),
      );
      await Promise.all(runs.splice(0));
    }
    // Whatever was busy in the last round, one more run completes the chain.
    await committer('c').commitRoute(target);

    // Assess
    for (let i = 1; i < seen.length; i++) {
      assert.ok((seen[i] as bigint) >= (seen[i - 1] as bigint), `offset went backwards: ${seen.join(', ')}`);
    }
    assert.equal(await progress(target), 40n);
    assert.equal(
      await lease.acquire(target.route, 'after', 1000).then((l) => l !== undefined),
      true,
      'lease was released',
    );
  });

  test('a run finds the lease taken and reports busy without touching offsets', async () => {
    // Prepare
    const target = await newRoute();
    await produce(target.topics[0] as string, 2);
    await complete(target, [0, 1]);
    const held = await new CommitLease(dynamo, tableName).acquire(target.route, 'other', 60_000);
    assert.ok(held);

    // Act
    const result = await committer('me').commitRoute(target);

    // Assess
    assert.equal(result.status, 'busy');
    assert.equal(await progress(target), 0n);
  });

  test('the broker refuses a commit while someone has joined the progress group', async () => {
    // Prepare: a consumer joins the progress group by mistake (a misconfigured poller).
    const target = await newRoute();
    const topic = target.topics[0] as string;
    await produce(topic, 1);
    await complete(target, [0]);
    const intruder = kafka.consumer({
      groupId: target.progressGroupId,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    });
    await intruder.connect();
    await intruder.subscribe({ topic });
    // autoCommit off: the intruder must not move the offset itself, so the commit has work to do.
    await intruder.run({
      autoCommit: false,
      eachMessage: async () => {
        // It only needs to be a member; what it reads does not matter.
      },
    });
    try {
      await waitFor(async () => (await offsetsGroupState(target.progressGroupId)) === 'Stable');

      // Act / Assess: the commit fails loudly rather than racing the member's own commits.
      await assert.rejects(committer().commitRoute(target), {
        name: 'ProgressGroupHasMembersError',
        message: new RegExp(`group ${target.progressGroupId} has active members`),
      });
      assert.equal(await progress(target), 0n);
    } finally {
      await intruder.disconnect();
    }
  });
});

async function readOffsets(topic: string, count: number): Promise<bigint[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: false });
  const seen: bigint[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(BigInt(message.offset));
        if (seen.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

async function offsetsGroupState(groupId: string): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state ?? 'Unknown';
  } finally {
    await admin.disconnect();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

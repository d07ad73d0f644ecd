import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaMessage } from 'kafkajs';
import type { Route } from '../../../lib/config/index.ts';
import { decodeEnvelope } from '../../../lib/envelope/index.ts';
import { EnvelopeStep } from '../../../lib/poller/envelope-step.ts';
import { Forwarder } from '../../../lib/poller/forward.ts';
import { newOwned, type Owned } from '../../../lib/poller/owned.ts';
import { PartitionProgress } from '../../../lib/poller/partition-progress.ts';
import type { OutgoingMessage } from '../../../lib/poller/send-plan.ts';
import type { RouteStages } from '../../../lib/poller/stages.ts';
import {
  backpressureWith,
  batchPayload,
  FakeConsumer,
  kafkaMessage,
  pollerRoute,
  RecordingLog,
} from './fakes.ts';

/** A Forwarder over fakes for partition orders/0 positioned at `start`; `sent` lists every send call. */
function forwarding(stages: RouteStages, start = 10n, route: Route = pollerRoute()) {
  const owned: Owned = newOwned('orders', 0, Promise.resolve());
  owned.progress = new PartitionProgress('orders', 0, start);
  const log = new RecordingLog();
  const consumer = new FakeConsumer();
  const sent: OutgoingMessage[][] = [];
  const backpressure = backpressureWith(route, new Map([['orders/0', owned]]));
  const forwarder = new Forwarder({
    route,
    stages,
    envelope: new EnvelopeStep({ route, payloads: undefined, log }),
    send: async (messages) => {
      sent.push([...messages]);
    },
    backpressure,
    assignment: { skipDeletedRecords: async () => false },
    log,
    signal: new AbortController().signal,
    isStopping: () => false,
  });
  const run = (messages: readonly KafkaMessage[], fetchedOffset: string) => {
    const payload = batchPayload(messages, fetchedOffset);
    const progress = owned.progress as PartitionProgress;
    return { payload, done: forwarder.forward(consumer, payload, owned, progress, owned.epoch) };
  };
  return { owned, consumer, sent, run };
}

const fromsOf = (sent: OutgoingMessage[][]): string[] => sent.flat().map((m) => `${m.offset}<-${m.from}`);

describe('Forwarder', () => {
  test('without stages every record is sent, each from chained to the one before across offset gaps', async () => {
    // Prepare: 12 is a transaction marker (never fetched)
    const f = forwarding({});

    // Act
    const { payload, done } = f.run(
      [10, 11, 13].map((o) => kafkaMessage(o)),
      '10',
    );
    await done;

    // Assess
    assert.deepEqual(fromsOf(f.sent), ['10<-10', '11<-11', '13<-12']);
    assert.equal(f.owned.progress?.next, 14n);
    assert.deepEqual(payload.resolved, ['13']);
    assert.equal(f.owned.forwardedCount, 3);
  });

  test('filtered records never reach SQS; the next from covers them and a filtered tail moves next', async () => {
    // Prepare: only even offsets pass
    const f = forwarding({ filter: (r) => r.offset % 2n === 0n });

    // Act
    const { payload, done } = f.run(
      [10, 11, 12, 13, 14, 15].map((o) => kafkaMessage(o)),
      '10',
    );
    await done;

    // Assess
    assert.deepEqual(fromsOf(f.sent), ['10<-10', '12<-11', '14<-13']);
    assert.equal(f.owned.progress?.next, 16n, 'the filtered tail (15) is behind the read position');
    assert.equal(f.owned.progress?.chain, 15n, 'the next forwarded record will carry from 15');
    assert.deepEqual(payload.resolved, ['14', '15'], 'kafkajs goes on after the filtered tail');
    assert.equal(f.owned.filteredCount, 3);
  });

  test('a batch filtered whole sends nothing, and the progress group may then pass it', async () => {
    // Prepare
    const f = forwarding({ filter: () => false }, 0n);

    // Act
    const { payload, done } = f.run(
      [0, 1, 2].map((o) => kafkaMessage(o)),
      '0',
    );
    await done;
    const progress = f.owned.progress as PartitionProgress;

    // Assess
    assert.deepEqual(f.sent, []);
    assert.equal(progress.next, 3n);
    assert.equal(progress.chain, 0n);
    assert.equal(progress.filteredTail(), 3n, 'nothing in flight: the tail may be committed');
    assert.deepEqual(payload.resolved, ['2']);
  });

  test('a held decode sends what came before, pauses the partition for registry and fetches the record again', async () => {
    // Prepare: the registry does not answer for 11
    const f = forwarding({
      decode: async (r) =>
        r.offset === 11n
          ? { kind: 'hold', reason: 'registry unavailable', retryAfterMs: 5 }
          : { kind: 'decoded', decoded: r },
    });

    // Act
    const { done } = f.run(
      [10, 11, 12].map((o) => kafkaMessage(o)),
      '10',
    );
    await done;
    const pausedRightAfter = [...f.owned.paused];
    await sleep(30);

    // Assess
    assert.deepEqual(fromsOf(f.sent), ['10<-10']);
    assert.deepEqual(pausedRightAfter, ['registry']);
    assert.deepEqual(f.owned.paused.size, 0);
    assert.deepEqual(f.consumer.calls, ['pause orders/0', 'seek orders/0@11', 'resume orders/0']);
    assert.match(f.owned.lastError ?? '', /registry unavailable/);
  });

  test('a record the decoder dead-letters is neither filtered nor skipped: it is sent marked, the partition goes on', async () => {
    // Prepare: the filter drops everything that decodes
    const f = forwarding({
      decode: (r) =>
        r.offset === 11n
          ? { kind: 'dead-letter', reason: 'schema-not-found', message: 'schema id 7' }
          : { kind: 'decoded', decoded: r },
      filter: () => false,
    });

    // Act
    const { done } = f.run(
      [10, 11, 12].map((o) => kafkaMessage(o)),
      '10',
    );
    await done;

    // Assess: 11 goes with from 10 (covering the filtered 10); the filtered 12 after it is passed too
    assert.deepEqual(fromsOf(f.sent), ['11<-10']);
    const sent = f.sent[0]?.[0];
    const envelope = decodeEnvelope(sent?.body ?? '');
    assert.deepEqual(envelope.deadLetter, { reason: 'schema-not-found', detail: 'schema id 7' });
    assert.equal(
      sent?.bodyJson,
      JSON.stringify(sent?.body),
      'the body escaped once, as JSON.stringify would',
    );
    assert.deepEqual(envelope.value, { inline: Buffer.from('v11') }, 'the record as it was read');
    assert.equal(f.owned.progress?.next, 13n);
    assert.equal(f.owned.filteredCount, 2);
  });

  test('a batch fetched from beyond next is dropped and the partition seeked back', async () => {
    const f = forwarding({});
    const { done } = f.run(
      [12, 13].map((o) => kafkaMessage(o)),
      '12',
    );
    await done;
    assert.deepEqual(f.sent, []);
    assert.deepEqual(f.consumer.calls, ['seek orders/0@10']);
  });

  test('a full in-flight window pauses the partition after sending what fits', async () => {
    const f = forwarding({}, 0n, pollerRoute({ maxInFlight: 2 }));
    const { done } = f.run(
      [0, 1, 2, 3].map((o) => kafkaMessage(o)),
      '0',
    );
    await done;
    assert.deepEqual(fromsOf(f.sent), ['0<-0', '1<-1']);
    assert.deepEqual([...f.owned.paused], ['in-flight']);
    assert.deepEqual(f.consumer.calls, ['pause orders/0']);
  });

  test('re-read records below next are dropped, and a batch of nothing else seeks to next', async () => {
    const f = forwarding({}, 5n);
    const { done } = f.run(
      [3, 4].map((o) => kafkaMessage(o)),
      '3',
    );
    await done;
    assert.deepEqual(f.sent, []);
    assert.deepEqual(f.consumer.calls, ['seek orders/0@5']);
  });
});

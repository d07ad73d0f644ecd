// Oversized records and huge headers (issue 9, fault (g)): values above the SQS message limit
// travel through S3 (claim check) and reach the endpoint byte for byte, in key order; records
// with thousands of headers and header values of hundreds of KiB reach it intact too.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { IHeaders, Message } from 'kafkajs';
import { payloadPrefix } from '../../lib/config/index.ts';
import { decodeEnvelope, SQS_MAX_MESSAGE_BYTES } from '../../lib/envelope/index.ts';
import { finishRun, ReliabilityRun, reliabilityClients } from './harness.ts';

const clients = reliabilityClients();

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('values above the SQS limit go through S3 and arrive intact, in key order', {
  timeout: 150_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 20 } });
  try {
    const keys = ['big-a', 'big-b', `long-${'k'.repeat(300)}`, '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
    const expected = new Map<string, string[]>(keys.map((key) => [key, []]));
    const messages: Message[] = [];
    for (let i = 0; i < 48; i += 1) {
      // Every 3rd record is large: just over the limit, 3 MiB, and (binary) 6 MiB; the rest small.
      const size =
        i % 3 !== 0 ? 64 : ([SQS_MAX_MESSAGE_BYTES, 3 * 1_048_576, 6 * 1_048_576][(i / 3) % 3] ?? 64);
      const value = randomBytes(size);
      const key = keys[i % keys.length] ?? '';
      messages.push({ key, value });
      expected.get(key)?.push(sha(value));
    }
    // One record at a time: 16 values of 1-6 MiB do not fit the producer's request together.
    for (const message of messages) await run.produceMessages([message]);
    await run.startConsumers();
    await run.startPoller();
    const report = await finishRun(run, 'values of 1, 3 and 6 MiB (claim check)', 90_000);
    assert.equal(report.produced, 48);
    assert.equal(report.delivered, 48);
    assert.equal(report.deadLettered, 0);
    assert.deepEqual(report.duplicateDetails, []);
    // Byte for byte: the endpoint's envelope carries the value inline, whatever way it travelled.
    // A key's records sit in one partition in production order, so its n-th offset is its n-th value.
    for (const key of keys) {
      const received = run.endpoint
        .requestsOf(key)
        .map((request) => decodeEnvelope(request.body.toString('utf8')))
        .sort((a, b) => Number(a.offset) - Number(b.offset))
        .map((envelope) => {
          assert.ok(envelope.value !== null && 'inline' in envelope.value, envelope.offset);
          return sha(envelope.value.inline);
        });
      assert.deepEqual(received, expected.get(key), `values of key ${key.slice(0, 20)}`);
    }
    // The large values really went through S3: 16 claim-check objects under the route's prefix.
    const listed = await clients().s3.send(
      new ListObjectsV2Command({ Bucket: run.provisioned.bucket, Prefix: payloadPrefix(run.route) }),
    );
    assert.equal(listed.KeyCount, 16);
  } finally {
    await run.stop();
  }
});

test('huge headers: thousands of headers and header values of hundreds of KiB arrive intact', {
  timeout: 150_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 1, route: { maxInFlight: 20 } });
  try {
    const expected = new Map<string, string>();
    for (let i = 0; i < 30; i += 1) {
      const headers: IHeaders = {};
      if (i % 3 === 0) {
        // 2,000 headers under 500 names (Kafka lets names repeat): SQS would take 10 attributes.
        for (let h = 0; h < 2_000; h += 1) {
          const name = `h-${h % 500}`;
          const values = (headers[name] ?? []) as Buffer[];
          headers[name] = [...values, Buffer.from(`value ${h} of ${i}`)];
        }
      } else if (i % 3 === 1) {
        // Two binary header values of 300 KiB: 800 KiB of base64 in the SQS message, so the
        // 300 KiB value has to move to S3 for the rest to fit.
        headers['blob-1'] = randomBytes(300 * 1024);
        headers['blob-2'] = randomBytes(300 * 1024);
      }
      const value = i % 3 === 1 ? randomBytes(300 * 1024) : Buffer.from(JSON.stringify({ n: i }));
      // kafkajs writes a header of n values as n headers of that name, names in object order.
      const pairs = Object.entries(headers).flatMap(([name, values]) =>
        (Array.isArray(values) ? values : [values]).map((v) => [name, sha(Buffer.from(v ?? ''))]),
      );
      expected.set(String(i), sha(Buffer.from(JSON.stringify([pairs, sha(value)]))));
      // One record per request: ten records of 900 KiB exceed the producer's request size.
      await run.produceMessages([{ key: `key-${i % 5}`, value, headers }]);
    }
    await run.startConsumers();
    await run.startPoller();
    const report = await finishRun(run, 'huge headers', 90_000);
    assert.equal(report.produced, 30);
    assert.equal(report.delivered, 30);
    assert.deepEqual(report.duplicateDetails, []);
    // Every header (name, order, bytes) and the value reached the endpoint as produced.
    assert.equal(run.endpoint.received.length, 30);
    for (const request of run.endpoint.received) {
      const envelope = decodeEnvelope(request.body.toString('utf8'));
      assert.ok(envelope.value !== null && 'inline' in envelope.value, envelope.offset);
      const pairs = envelope.headers.map(([name, v]) => [name, sha(v ?? Buffer.alloc(0))]);
      const got = sha(Buffer.from(JSON.stringify([pairs, sha(envelope.value.inline)])));
      assert.equal(got, expected.get(envelope.offset), `headers and value of offset ${envelope.offset}`);
      if (Number(envelope.offset) % 3 === 0) assert.equal(envelope.headers.length, 2_000);
    }
  } finally {
    await run.stop();
  }
});

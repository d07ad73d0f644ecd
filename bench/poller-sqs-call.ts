// Benchmark (not a test): CPU of one SendMessageBatch of 10 envelopes in the SDK, with no
// network (the HTTP handler answers at once), for the SQS client setups of bench/poller.ts,
// and for the lean path's request (lib/poller/lean-sqs.ts: JSON by string building, SigV4 with
// a cached signing key): what one signed call costs in JavaScript before the HTTP client. Run: npx node bench/poller-sqs-call.ts
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { encodeEnvelope } from '../lib/envelope/index.ts';
import { createPollerSqsClient, type OutgoingMessage } from '../lib/poller/index.ts';
import { batchBody } from '../lib/poller/lean-sqs.ts';
import { PostSigner } from '../lib/poller/sigv4.ts';

const QUEUE_URL = 'http://127.0.0.1:9324/000000000000/q.fifo';
const cpu = (): number => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/** Client options whose handler answers like SQS (with correct MD5s) without any network. */
function offline(bodies: readonly string[]): SQSClientConfig {
  const answer = JSON.stringify({
    Successful: bodies.map((body, i) => ({
      Id: String(i),
      MessageId: `m${i}`,
      MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
      SequenceNumber: '1',
    })),
  });
  return {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9324',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(answer)]),
        },
      }),
    } as unknown as NonNullable<SQSClientConfig['requestHandler']>,
  };
}

const signer = new PostSigner('us-east-1', 'sqs');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The lean path's request without the network: body by string building, SigV4 (key cached per day). */
function leanRequest(messages: readonly OutgoingMessage[]): Record<string, string> {
  const body = Buffer.from(batchBody(QUEUE_URL, messages));
  return signer.sign(
    {
      host: '127.0.0.1:9324',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
      body,
    },
    credentials,
    new Date(),
  );
}

console.log('| value | client | CPU µs per SendMessageBatch of 10 | CPU µs per record |');
console.log('| --- | --- | ---: | ---: |');
for (const valueBytes of [1024, 65_536]) {
  const value = Buffer.alloc(valueBytes, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const bodies = Array.from({ length: 10 }, (_, i) =>
    encodeEnvelope({
      route: 'bench-route',
      topic: 'bench-topic-abc',
      partition: 3,
      offset: String(123_456 + i),
      from: String(123_455 + i),
      timestamp: '1763884800000',
      key: Buffer.from(`key-${i}`),
      headers: [],
      value: { inline: value },
    }),
  );
  const command = (): SendMessageBatchCommand =>
    new SendMessageBatchCommand({
      QueueUrl: QUEUE_URL,
      Entries: bodies.map((body, i) => ({
        Id: String(i),
        MessageBody: body,
        MessageGroupId: `key-${i}`,
        MessageDeduplicationId: `bench-route/bench-topic-abc/3/${123_456 + i}`,
      })),
    });
  const setups: [string, () => Promise<unknown>][] = [];
  for (const [name, client] of [
    ['sdk-defaults', new SQSClient(offline(bodies))],
    ['md5-off', new SQSClient({ ...offline(bodies), md5: false })],
    ['poller', createPollerSqsClient(offline(bodies))],
  ] as const) {
    setups.push([`SDK, ${name}`, () => client.send(command())]);
  }
  const messages: OutgoingMessage[] = bodies.map((body, i) => ({
    id: String(i),
    groupId: `key-${i}`,
    deduplicationId: `bench-route/bench-topic-abc/3/${123_456 + i}`,
    body,
    bytes: Buffer.byteLength(body),
    offset: BigInt(123_456 + i),
    from: BigInt(123_455 + i),
  }));
  setups.push(['lean request (lib/poller/lean-sqs.ts), no network', async () => leanRequest(messages)]);
  const calls = valueBytes === 1024 ? 2_000 : 300;
  for (const [name, call] of setups) {
    for (let i = 0; i < calls / 5; i++) await call();
    const before = cpu();
    for (let i = 0; i < calls; i++) await call();
    const perCall = (cpu() - before) / calls;
    console.log(
      `| ${valueBytes / 1024} KiB | ${name} | ${perCall.toFixed(0)} | ${(perCall / 10).toFixed(1)} |`,
    );
  }
}

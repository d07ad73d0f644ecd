// Benchmark (not a test): CPU of one SendMessageBatch of 10 envelopes in the SDK, with no
// network (the HTTP handler answers at once), for the SQS client setups of bench/poller.ts,
// and for a hand-written request (JSON by string building, SigV4 with a cached signing key):
// what one signed call costs at least in JavaScript. Run: npx node bench/poller-sqs-call.ts
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { encodeEnvelope } from '../lib/envelope/index.ts';
import { createPollerSqsClient } from '../lib/poller/index.ts';

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

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const signingKey = hmac(hmac(hmac(hmac('AWS4test', '20261123'), 'us-east-1'), 'sqs'), 'aws4_request');

/**
 * The request an SDK-free client would build: body, payload hash, SigV4 (key cached per day).
 * Envelopes hold no control characters (see jsonString in lib/poller/sqs-client.ts), so
 * escaping `"` and `\` makes them JSON strings.
 */
function handWritten(bodies: readonly string[], first: number): { body: Buffer; authorization: string } {
  const entries = bodies.map(
    (body, i) =>
      `{"Id":"${i}","MessageBody":"${body.replace(/["\\]/g, '\\$&')}","MessageGroupId":"key-${i}","MessageDeduplicationId":"bench-route/bench-topic-abc/3/${first + i}"}`,
  );
  const body = Buffer.from(`{"QueueUrl":"${QUEUE_URL}","Entries":[${entries.join(',')}]}`);
  const date = '20261123T120000Z';
  const headers = `content-type:application/x-amz-json-1.0\nhost:127.0.0.1:9324\nx-amz-date:${date}\nx-amz-target:AmazonSQS.SendMessageBatch\n`;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const canonical = `POST\n/\n\n${headers}\n${signed}\n${sha256(body)}`;
  const scope = '20261123/us-east-1/sqs/aws4_request';
  const signature = createHmac('sha256', signingKey)
    .update(`AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`)
    .digest('hex');
  return {
    body,
    authorization: `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
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
  setups.push(['hand-written request, no SDK', async () => handWritten(bodies, 123_456)]);
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

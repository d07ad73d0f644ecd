import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { createPollerSqsClient } from '../../../lib/poller/index.ts';
import { jsonString } from '../../../lib/poller/sqs-client.ts';

interface Captured {
  body: unknown;
  headers: Record<string, string>;
}

/** Client options whose HTTP handler records the request and answers like SQS, with no network. */
function offline(captured: Captured[], answer: object): SQSClientConfig {
  return {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: unknown; headers: Record<string, string> }) => {
        captured.push({ body: request.body, headers: { ...request.headers } });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(JSON.stringify(answer))]),
          },
        };
      },
    } as unknown as NonNullable<SQSClientConfig['requestHandler']>,
  };
}

function text(body: unknown): string {
  if (typeof body === 'string') return body;
  // Not Buffer.from(body): the SDK's body type answers valueOf() with a string, with a warning.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new Error(`unexpected body ${typeof body}`);
}

const BODIES = [
  '{"v":1,"route":"orders","value":{"inline":"eyJpZCI6Nzd9"}}',
  'quotes " and backslashes \\ and \\"',
  'controls \u0000\u0001\n\t\r and DEL \u007f',
  'emoji 😀, lone surrogates \ud800 \udfff, line separator \u2028, U+FFFD \ufffd',
  '',
  'a marker look-alike "body0123-0"',
];

async function batchRequest(client: SQSClient, captured: Captured[]): Promise<Captured> {
  await client.send(
    new SendMessageBatchCommand({
      QueueUrl: 'http://127.0.0.1:1/000000000000/q.fifo',
      Entries: BODIES.map((body, i) => ({
        Id: String(i),
        MessageBody: body,
        MessageGroupId: `g"${i}\\`,
        MessageDeduplicationId: `d${i}`,
      })),
    }),
  );
  const request = captured.at(-1);
  if (request === undefined) throw new Error('no request captured');
  return request;
}

describe('createPollerSqsClient', () => {
  const answer = {
    Successful: BODIES.map((_, i) => ({ Id: String(i), MessageId: `m${i}`, MD5OfMessageBody: 'x' })),
  };

  test('sends the same SendMessageBatch request as the SDK, whatever the bodies hold', async () => {
    const plain: Captured[] = [];
    const lean: Captured[] = [];
    // md5 off on both: the answer's MD5OfMessageBody is made up.
    const sdk = new SQSClient({ ...offline(plain, answer), md5: false });
    const ours = createPollerSqsClient(offline(lean, answer));
    const expected = await batchRequest(sdk, plain);
    const got = await batchRequest(ours, lean);
    assert.deepEqual(JSON.parse(text(got.body)), JSON.parse(text(expected.body)));
    assert.deepEqual(
      JSON.parse(text(got.body)).Entries.map((entry: { MessageBody: string }) => entry.MessageBody),
      BODIES,
    );
    // The length the SDK declares and signs is that of the bytes actually sent.
    assert.equal(Number(got.headers['content-length']), Buffer.byteLength(text(got.body)));
  });

  test('leaves other operations to the SDK', async () => {
    const captured: Captured[] = [];
    const client = createPollerSqsClient(offline(captured, { MessageId: 'm' }));
    await client.send(
      new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:1/000000000000/q', MessageBody: 'x"y' }),
    );
    assert.equal(JSON.parse(text(captured[0]?.body)).MessageBody, 'x"y');
  });

  test('does not check MD5 of sent bodies (SigV4 covers the body; see pollerSqsClientConfig)', async () => {
    const sent: Captured[] = [];
    const client = createPollerSqsClient(offline(sent, answer));
    // With the SDK's default, a wrong MD5OfMessageBody fails the call.
    const checked: Captured[] = [];
    const checking = new SQSClient(offline(checked, answer));
    await assert.rejects(() => batchRequest(checking, checked), /Invalid MD5 checksum/);
    await batchRequest(client, sent);
    assert.equal(sent.length, 1);
  });
});

describe('jsonString', () => {
  test('equals JSON.stringify for any text: quotes, backslashes, control characters, surrogates', () => {
    const alphabet = [
      'a',
      '"',
      '\\',
      '\\"',
      '\n',
      '\u0000',
      '\u001f',
      '\u2028',
      '\ud83d\ude00',
      '\ud800',
      '\udfff',
      '\ufffe',
      '/',
      'é',
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let i = 0; i < 2_000; i++) {
      let text = '';
      for (let length = next(40); length > 0; length--) text += alphabet[next(alphabet.length)];
      assert.equal(jsonString(text), JSON.stringify(text), `for ${JSON.stringify(text)}`);
    }
  });
});

// The lean SendMessageBatch against a local HTTP server that answers as SQS documents it
// (JSON protocol errors with x-amzn-query-error, partial batch failures, throttling, 5xx,
// expired credentials, a skewed clock), and the error shapes read like the SDK's.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { isRetryableAwsError } from '../../../lib/aws/errors.ts';
import { type LeanSqsConfig, LeanSqsTransport } from '../../../lib/poller/lean-sqs.ts';
import type { OutgoingMessage } from '../../../lib/poller/send-plan.ts';
import { SqsRequestError, sqsError } from '../../../lib/poller/sqs-errors.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let origin: string;
let answers: Answer[] = [];
let seen: Seen[] = [];

const OK: Answer = {
  status: 200,
  body: '{"Successful":[{"Id":"0","MessageId":"m","MD5OfMessageBody":"x"}],"Failed":[]}',
};
const jsonError = (status: number, type: string, message: string, query?: string): Answer => ({
  status,
  body: JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }),
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    ...(query === undefined ? {} : { 'x-amzn-query-error': query }),
  },
});

before(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? OK;
      response.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/x-amz-json-1.0' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  origin = `http://127.0.0.1:${address.port}`;
});

after(() => server.close());

function message(i: number, body = `{"n":${i}}`): OutgoingMessage {
  return {
    id: String(i),
    groupId: `g${i}`,
    deduplicationId: `d${i}`,
    body,
    bytes: body.length,
    offset: BigInt(i),
    from: BigInt(i),
  };
}

/** A transport to the local server whose credential provider records how it was asked. */
function transport(): { lean: LeanSqsTransport; asked: string[]; config: LeanSqsConfig } {
  const asked: string[] = [];
  let generation = 0;
  const config: LeanSqsConfig = {
    credentials: async (options?: { forceRefresh?: boolean }) => {
      if (options?.forceRefresh === true) generation++;
      asked.push(options?.forceRefresh === true ? 'refresh' : 'cached');
      return { accessKeyId: `AKID${generation}`, secretAccessKey: 'secret' };
    },
  };
  return { lean: new LeanSqsTransport(config, 'us-east-1', origin, undefined), asked, config };
}

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';

describe('LeanSqsTransport', () => {
  test('sends the JSON protocol request, signed, with the bodies exactly as given', async () => {
    answers = [];
    seen = [];
    const t = transport();
    const bodies = ['plain', 'quotes " and \\ backslash', 'emoji 😀 and \u2028', '{"v":1}'];
    await t.lean.sendBatch(
      QUEUE,
      bodies.map((b, i) => message(i, b)),
    );
    const request = seen[0];
    assert.ok(request !== undefined);
    assert.equal(request.headers['x-amz-target'], 'AmazonSQS.SendMessageBatch');
    assert.equal(request.headers['content-type'], 'application/x-amz-json-1.0');
    assert.match(
      String(request.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKID0\/\d{8}\/us-east-1\/sqs\/aws4_request, SignedHeaders=/,
    );
    assert.deepEqual(JSON.parse(request.body), {
      QueueUrl: QUEUE,
      Entries: bodies.map((b, i) => ({
        Id: String(i),
        MessageBody: b,
        MessageGroupId: `g${i}`,
        MessageDeduplicationId: `d${i}`,
      })),
    });
  });

  test('a partial batch failure answers the failed entries, without retrying', async () => {
    answers = [
      {
        status: 200,
        body: JSON.stringify({
          Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: 'x' }],
          Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' }],
        }),
      },
    ];
    seen = [];
    const failed = await transport().lean.sendBatch(QUEUE, [message(0), message(1)]);
    assert.deepEqual(failed, [{ Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' }]);
    assert.equal(seen.length, 1);
  });

  test('throttling and 5xx are tried again up to 3 attempts, then thrown retryable for BatchSender', async () => {
    answers = [jsonError(400, 'ThrottlingException', 'Rate exceeded', 'ThrottlingException;Sender'), OK];
    seen = [];
    await transport().lean.sendBatch(QUEUE, [message(0)]);
    const throttledThenOk = seen.length;
    answers = [0, 1, 2].map(() =>
      jsonError(500, 'InternalError', 'We encountered an internal error.', 'InternalError;Receiver'),
    );
    seen = [];
    const error = await transport()
      .lean.sendBatch(QUEUE, [message(0)])
      .catch((e: unknown) => e);
    assert.equal(throttledThenOk, 2);
    assert.equal(seen.length, 3);
    assert.ok(error instanceof SqsRequestError);
    assert.equal(error.name, 'InternalError');
    assert.equal(error.$fault, 'server');
    assert.equal(isRetryableAwsError(error), true);
  });

  test('a missing queue is thrown at once, named as the SDK names it, not retryable', async () => {
    answers = [
      jsonError(
        400,
        'QueueDoesNotExist',
        'The specified queue does not exist.',
        'AWS.SimpleQueueService.NonExistentQueue;Sender',
      ),
    ];
    seen = [];
    const error = await transport()
      .lean.sendBatch(QUEUE, [message(0)])
      .catch((e: unknown) => e);
    assert.equal(seen.length, 1);
    assert.ok(error instanceof SqsRequestError);
    assert.equal(error.name, 'QueueDoesNotExist');
    assert.equal(error.queryErrorCode, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.match(
      error.message,
      /The specified queue does not exist\. \(AWS\.SimpleQueueService\.NonExistentQueue, HTTP 400\)/,
    );
    assert.equal(isRetryableAwsError(error), false);
  });

  test('expired credentials are fetched again from the provider chain (forceRefresh) and the call retried', async () => {
    answers = [
      jsonError(403, 'ExpiredTokenException', 'The security token included in the request is expired'),
      OK,
    ];
    seen = [];
    const t = transport();
    await t.lean.sendBatch(QUEUE, [message(0)]);
    assert.deepEqual(t.asked, ['cached', 'refresh']);
    assert.match(String(seen[1]?.headers.authorization), /Credential=AKID1\//);
  });

  test('a skewed clock is corrected from the answer Date and the call signed again', async () => {
    const serverNow = Date.now() + 3_600_000;
    answers = [
      {
        ...jsonError(403, 'InvalidSignatureException', 'Signature expired'),
        headers: { 'content-type': 'application/x-amz-json-1.0', date: new Date(serverNow).toUTCString() },
      },
      OK,
    ];
    seen = [];
    const t = transport();
    await t.lean.sendBatch(QUEUE, [message(0)]);
    assert.equal(seen.length, 2);
    assert.ok(Math.abs((t.config.systemClockOffset ?? 0) - 3_600_000) < 5_000);
    const signedAt = String(seen[1]?.headers['x-amz-date']);
    assert.equal(signedAt.slice(0, 11), new Date(serverNow).toISOString().replace(/[-:]/g, '').slice(0, 11));
  });
});

describe('sqsError', () => {
  test('reads the documented JSON error shapes like the SDK', () => {
    const cases: [Answer, string, boolean, 'client' | 'server'][] = [
      [
        jsonError(
          400,
          'RequestThrottled',
          'Request is throttled.',
          'AWS.SimpleQueueService.RequestThrottled;Sender',
        ),
        'RequestThrottled',
        true,
        'client',
      ],
      [
        jsonError(
          400,
          'BatchRequestTooLong',
          'Batch requests cannot be longer than 1048576 bytes.',
          'AWS.SimpleQueueService.BatchRequestTooLong;Sender',
        ),
        'BatchRequestTooLong',
        false,
        'client',
      ],
      [
        jsonError(400, 'KmsThrottled', 'KMS throttled', 'KMS.ThrottlingException;Sender'),
        'KmsThrottled',
        true,
        'client',
      ],
      [
        jsonError(503, 'ServiceUnavailable', 'Service is unavailable.', 'ServiceUnavailable;Receiver'),
        'ServiceUnavailable',
        true,
        'server',
      ],
      [{ status: 502, body: '<html>Bad Gateway</html>' }, 'Http502', true, 'server'],
      [
        jsonError(
          400,
          'AccessDeniedException',
          'User is not authorized to perform: sqs:sendmessage',
          'AccessDenied;Sender',
        ),
        'AccessDeniedException',
        false,
        'client',
      ],
    ];
    for (const [answer, name, retryable, fault] of cases) {
      const error = sqsError(answer.status, answer.headers ?? {}, answer.body);
      assert.deepEqual(
        [error.name, isRetryableAwsError(error), error.$fault],
        [name, retryable, fault],
        name,
      );
    }
  });
});

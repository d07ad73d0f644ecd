// Hostile records, headers and endpoint answers shown by the operator CLI (issue 16): the real
// deliverer dead-letters them into a real archive (moto S3) and quarantine (moto DynamoDB), and
// `dlq show`, `trace` and `quarantine list` print them through `main`, as an operator's terminal
// would receive them. No control or bidi character may come through outside `--json`.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isVisible } from '../../lib/cli/format.ts';
import { main } from '../../lib/cli/main.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { type BridgeConfigInput, parseBridgeConfig } from '../../lib/config/index.ts';
import { createDeliverer } from '../../lib/deliver/create.ts';
import { deduplicationId, type Envelope, encodeEnvelope, messageGroupId } from '../../lib/envelope/index.ts';
import {
  assertReachable,
  awsEndpoint,
  createFifoQueue,
  dynamoClient,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { deliverRunner } from '../support/deliver.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { assertKafkaReachable, createTopic, deleteTopics, kafkaBrokers } from '../support/kafka.ts';

const ESC = '\u001b';
const OSC8 = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const HOSTILE_KEY = `${ESC}[31mred\u202Egpj.exe`;
const HOSTILE_HEADER_NAME = `x-${ESC}[2J`;
const HOSTILE_HEADER_VALUE = `${OSC8}\u009b1;1H`;
// A property name the schema rejects: Ajv's instancePath (and so the dead-letter reason) holds it.
const HOSTILE_VALUE = JSON.stringify({ [`${ESC}]0;pwned${ESC}\\`]: 'not a number' });
const HOSTILE_ANSWER = `rejected ${OSC8} ${ESC}[8m`;

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let dir: string;
const topics: string[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  dir = await mkdtemp(join(tmpdir(), 'cli-hostile-'));
});

after(async () => {
  await deleteTopics(topics);
  await rm(dir, { recursive: true, force: true });
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

/** A dead-lettered world: one record failing the schema, one the endpoint refused with a hostile answer. */
async function hostileWorld() {
  const endpoint = await TestEndpoint.start(() => ({ status: 400, body: HOSTILE_ANSWER }));
  const name = uniqueName('hostile');
  topics.push(name);
  await createTopic(name, 1);
  const bucket = uniqueName('hostile');
  const table = uniqueName('hostile-table');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
  const input: BridgeConfigInput = {
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name,
        topics: [name],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000 },
        retry: { attempts: 1, inProcessAttempts: 1, baseMs: 20, maxMs: 200, jitter: 'none' },
        schema: { type: 'object', additionalProperties: { type: 'number' } },
      },
    ],
  };
  const route = parseBridgeConfig(input).routes[0];
  assert.ok(route);
  const queue = await createFifoQueue(sqs, name, { VisibilityTimeout: '30' });
  const dlq = await createFifoQueue(sqs, `${name}-dlq`);
  const deliverer = createDeliverer({
    route,
    queueUrl: queue.url,
    deadLetterQueueUrl: dlq.url,
    bucket,
    completionTable: table,
    clients: { sqs, s3, dynamo, secrets: secretsClient(), lambda: lambdaClient() },
  });
  const errors: unknown[] = [];
  const runner = deliverRunner(sqs, queue, deliverer, {
    functionTimeoutMs: 30_000,
    onError: (error) => errors.push(error),
  });
  const send = async (offset: number, key: Buffer, value: string) => {
    const envelope: Envelope = {
      route: name,
      topic: name,
      partition: 0,
      offset: String(offset),
      from: String(offset),
      timestamp: String(Date.now()),
      key,
      headers: [[HOSTILE_HEADER_NAME, Buffer.from(HOSTILE_HEADER_VALUE)]],
      value: { inline: Buffer.from(value) },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: encodeEnvelope(envelope),
        MessageGroupId: messageGroupId({ key, partition: 0, offset: envelope.offset, ordering: 'key' }),
        MessageDeduplicationId: deduplicationId(envelope),
      }),
    );
  };
  await send(0, Buffer.from(HOSTILE_KEY), HOSTILE_VALUE);
  await send(1, Buffer.from(`${HOSTILE_KEY}-2`), '{"amount":1}');
  runner.start();
  const completions = new CompletionStore({ client: dynamo, tableName: table });
  const end = Date.now() + 20_000;
  try {
    for (const offset of [0n, 1n]) {
      while ((await completions.get(name, name, 0, offset)) === undefined) {
        assert.ok(
          Date.now() < end,
          `offset ${offset} was not dead-lettered in time: ${errors.map(String).join('; ')}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await runner.stop();
    await endpoint.stop();
  }
  const configFile = join(dir, `${name}.mjs`);
  await writeFile(configFile, `export default ${JSON.stringify(input)};\n`);
  const env = {
    ...process.env,
    BRIDGE_COMPLETION_TABLE: table,
    BRIDGE_BUCKET: bucket,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
  };
  return { name, configFile, env };
}

/** Runs the CLI; returns what it printed (stdout and stderr) and asserts it succeeded. */
async function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (text) => out.push(text), err: (text) => err.push(text), env });
  assert.equal(code, 0, err.join('\n'));
  return [...out, ...err].join('\n');
}

/** No C0 control but the line break, no DEL, C1 or bidi control. */
function assertInert(text: string, what: string): void {
  for (const line of text.split('\n'))
    assert.ok(isVisible(line), `${what} printed a control character: ${JSON.stringify(line)}`);
}

describe('CLI: hostile content is shown escaped, --json stays exact', () => {
  test('dlq show, trace and quarantine list of hostile keys, values, headers and answers', async () => {
    const world = await hostileWorld();
    const { name, configFile, env } = world;
    const base = ['--config', configFile];

    const shown = await cli(['dlq', 'show', `${name}/${name}/0/0`, ...base], env);
    assertInert(shown, 'dlq show');
    assert.ok(shown.includes('\\x1b]0;pwned\\x1b\\'), `the schema reason, escaped:\n${shown}`);
    assert.ok(shown.includes('x-\\x1b[2J=\\x1b]8;;https://evil.example/'), `the header, escaped:\n${shown}`);
    assert.ok(shown.includes(`base64:${Buffer.from(HOSTILE_KEY).toString('base64')}`), 'the key as base64');
    const answered = await cli(['dlq', 'show', `${name}/${name}/0/1`, ...base], env);
    assertInert(answered, 'dlq show');
    assert.match(answered, /rejected \\x1b\]8;;https:\/\/evil/, "the endpoint's answer, escaped");

    const traced = await cli(['trace', `${name}/${name}/0/0`, ...base], env);
    assertInert(traced, 'trace');
    assert.ok(traced.includes('\\x1b]0;pwned'), `the archive reason, escaped:\n${traced}`);

    const listed = await cli(['quarantine', 'list', ...base], env);
    assertInert(listed, 'quarantine list');
    assert.ok(listed.includes(`base64:${Buffer.from(HOSTILE_KEY).toString('base64')}`), listed);
    assertInert(await cli(['dlq', 'list', ...base], env), 'dlq list');

    // --json: the data exactly as archived, for tools (which must escape it themselves).
    const detail = JSON.parse(await cli(['dlq', 'show', `${name}/${name}/0/0`, '--json', ...base], env)) as {
      reason: string;
      headers: { name: string; value: string }[];
    };
    assert.ok(detail.reason.includes(`${ESC}]0;pwned${ESC}\\`));
    assert.deepEqual(detail.headers, [{ name: HOSTILE_HEADER_NAME, value: HOSTILE_HEADER_VALUE }]);
  });
});

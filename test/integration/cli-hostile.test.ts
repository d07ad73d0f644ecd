// Hostile records, headers and endpoint answers shown by the operator CLI (issue 16): the real
// deliverer dead-letters them into a real archive (moto S3) and quarantine (moto DynamoDB), and
// `dlq show`, `trace` and `quarantine list` print them through `main`, as an operator's terminal
// would receive them. No control or bidi character may come through outside `--json`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Archive } from '../../lib/archive/archive.ts';
import type { RecordedCall } from '../../lib/aws/call-recorder.ts';
import { CliContext } from '../../lib/cli/context.ts';
import { dlqList, dlqReplay, dlqShow } from '../../lib/cli/dlq.ts';
import { isVisible } from '../../lib/cli/format.ts';
import { main } from '../../lib/cli/main.ts';
import { quarantineList } from '../../lib/cli/quarantine.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { type BridgeConfigInput, parseBridgeConfig } from '../../lib/config/index.ts';
import { deduplicationId, type Envelope, encodeEnvelope, messageGroupId } from '../../lib/envelope/index.ts';
import {
  assertReachable,
  awsEndpoint,
  cliEnv,
  dynamoClient,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { ledgerCompletion } from '../support/completions.ts';
import { deliverRoute } from '../support/deliver.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { evaluate, type Statement } from '../support/iam/policy.ts';
import { requestsOf } from '../support/iam/roles.ts';
import { DEPLOYMENT } from '../support/iam/stack.ts';
import { assertKafkaReachable, createTopic, deleteTopics, kafkaBrokers } from '../support/kafka.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ESC = '\u001b';
const OSC8 = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const HOSTILE_KEY = `${ESC}[31mred\u202Egpj.exe`;
const HOSTILE_HEADER_NAME = `x-${ESC}[2J`;
const HOSTILE_HEADER_VALUE = `${OSC8}\u009b1;1H`;
// A property name the schema rejects: Ajv's instancePath would hold it; the reason shows it as `~`.
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
async function hostileWorld(withTopic = false) {
  const endpoint = await TestEndpoint.start(() => ({ status: 400, body: HOSTILE_ANSWER }));
  const name = uniqueName('hostile');
  if (withTopic) {
    // Only `trace` reads Kafka (the progress group and log end).
    topics.push(name);
    await createTopic(name, 1);
  }
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
  const { queue, runner, errors } = await deliverRoute(name, {
    route,
    bucket,
    completionTable: table,
    clients: { sqs, s3, dynamo, secrets: secretsClient(), lambda: lambdaClient() },
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
      while ((await ledgerCompletion(completions, name, name, 0, offset)) === undefined) {
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
  const env = cliEnv({ table, bucket });
  return { name, configFile, env, bucket, table, queueUrl: queue.url, config: parseBridgeConfig(input) };
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
    const world = await hostileWorld(true);
    const { name, configFile, env } = world;
    const base = ['--config', configFile];

    const shown = await cli(['dlq', 'show', `${name}/${name}/0/0`, ...base], env);
    assertInert(shown, 'dlq show');
    // The schema reason quotes no record content: the hostile property name is `~`.
    assert.ok(shown.includes('schema: /~ must be number'), `the schema reason, without the key:\n${shown}`);
    assert.ok(shown.includes('x-\\x1b[2J=\\x1b]8;;https://evil.example/'), `the header, escaped:\n${shown}`);
    assert.ok(shown.includes(`base64:${Buffer.from(HOSTILE_KEY).toString('base64')}`), 'the key as base64');
    const answered = await cli(['dlq', 'show', `${name}/${name}/0/1`, ...base], env);
    assertInert(answered, 'dlq show');
    assert.match(answered, /rejected \\x1b\]8;;https:\/\/evil/, "the endpoint's answer, escaped");

    const traced = await cli(['trace', `${name}/${name}/0/0`, ...base], env);
    assertInert(traced, 'trace');
    assert.ok(traced.includes('schema: /~ must be number'), `the archive reason:\n${traced}`);

    const listed = await cli(['quarantine', 'list', ...base], env);
    assertInert(listed, 'quarantine list');
    assert.ok(listed.includes(`base64:${Buffer.from(HOSTILE_KEY).toString('base64')}`), listed);
    assertInert(await cli(['dlq', 'list', ...base], env), 'dlq list');

    // --json: the data exactly as archived, for tools (which must escape it themselves).
    const detail = JSON.parse(await cli(['dlq', 'show', `${name}/${name}/0/0`, '--json', ...base], env)) as {
      reason: string;
      headers: { name: string; value: string }[];
    };
    assert.equal(detail.reason, 'schema: /~ must be number');
    assert.deepEqual(detail.headers, [{ name: HOSTILE_HEADER_NAME, value: HOSTILE_HEADER_VALUE }]);
  });
});

/** Runs the CLI; returns its exit code and everything it printed. */
async function cliRaw(args: readonly string[], env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const code = await main(args, { out: (text) => lines.push(text), err: (text) => lines.push(text), env });
  return { code, text: lines.join('\n') };
}

async function queueDepth(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('CLI: the archive is not trusted blindly', () => {
  test('a forged archive object (moved to another key, or pointing outside payloads/) is refused; nothing is sent', async () => {
    const world = await hostileWorld();
    const { name, configFile, env, bucket, queueUrl } = world;
    const base = ['--config', configFile, '--route', name, '--yes'];
    // Forgery 1: the real dead letter of offset 1, copied to the key of offset 7.
    const real = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: Archive.keyOf(name, name, 0, '1') }),
    );
    const moved = Archive.keyOf(name, name, 0, '7');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: moved,
        Body: (await real.Body?.transformToString()) ?? '',
      }),
    );
    const refused = await cliRaw(['dlq', 'replay', ...base], env);
    assert.equal(refused.code, 1, refused.text);
    assert.match(
      refused.text,
      new RegExp(
        `refusing to replay archive object s3://${bucket}/${moved}: its envelope .*offset 1\\) belongs at`,
      ),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: moved }));

    // Forgery 2: consistent coordinates, but the claim check points into another bucket.
    const key = Buffer.from('forged');
    const envelope: Envelope = {
      route: name,
      topic: name,
      partition: 0,
      offset: '8',
      from: '8',
      timestamp: '-1',
      key,
      headers: [],
      value: {
        s3: {
          bucket: 'someone-elses-bucket',
          key: `payloads/${name}/x`,
          size: 1,
          sha256: createHash('sha256').update('x').digest('base64'),
        },
      },
    };
    const forged = {
      recordId: `${name}/${name}/0/8`,
      outcome: 'dead-lettered',
      reason: 'forged',
      messageGroupId: messageGroupId({ key, partition: 0, offset: '8', ordering: 'key' }),
      body: encodeEnvelope(envelope),
      attempts: [],
      attemptCount: 0,
      receiveCount: 1,
      archivedAt: new Date().toISOString(),
    };
    const at = Archive.keyOf(name, name, 0, '8');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: at, Body: JSON.stringify(forged) }));
    const outside = await cliRaw(['dlq', 'replay', ...base, '--key', 'forged'], env);
    assert.equal(outside.code, 1, outside.text);
    assert.match(
      outside.text,
      /its claim check s3:\/\/someone-elses-bucket\/payloads\/.* is outside s3:\/\//,
    );
    assert.equal(await queueDepth(queueUrl), 0, 'nothing reached the queue');
    // The genuine dead letters are still waiting (the refused replays marked nothing).
    const listed = JSON.parse(
      (await cliRaw(['dlq', 'list', '--json', '--config', configFile], env)).text,
    ) as {
      deadLetters: unknown[];
    }[];
    assert.equal(listed[0]?.deadLetters.length, 3);
  });

  test('replay: --route required, --dry-run changes nothing, no --yes without a terminal refuses', async () => {
    const { name, configFile, env, queueUrl } = await hostileWorld();
    const base = ['--config', configFile];
    const noRoute = await cliRaw(['dlq', 'replay', ...base, '--yes'], env);
    assert.equal(noRoute.code, 2);
    assert.match(noRoute.text, /dlq replay needs --route <name>/);

    const dry = await cliRaw(['dlq', 'replay', ...base, '--route', name, '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.text);
    const [plan] = JSON.parse(dry.text) as { records: { outcome: string }[] }[];
    assert.deepEqual(
      plan?.records.map((r) => r.outcome),
      ['would-send', 'would-send'],
    );
    const unconfirmed = await cliRaw(['dlq', 'replay', ...base, '--route', name], env);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.text, /this replays 2 record\(s\) of route .* pass --yes to confirm/);
    const quarantine = await cliRaw(
      [
        'quarantine',
        'replay',
        `base64:${Buffer.from(HOSTILE_KEY).toString('base64')}`,
        '--wait',
        '1',
        ...base,
      ],
      env,
    );
    assert.equal(quarantine.code, 0, 'a single record needs no confirmation');
    assert.equal(await queueDepth(queueUrl), 1, 'only the confirmed single-record replay sent anything');
    const reset = await cliRaw(['reset', ...base, '--route', name, '--to-offset', '0'], env);
    assert.equal(reset.code, 2);
    assert.match(reset.text, /moves the progress group of route .* on every partition: pass --yes/);
  });

  test('no default bucket or table outside emulator mode', async () => {
    const { name, configFile: localFile } = await hostileWorld();
    // Loopback brokers mean local mode's emulators (context.ts); a deployment has remote brokers.
    const configFile = `${localFile.slice(0, -'.mjs'.length)}-deployed.mjs`;
    const local = (await import(pathToFileURL(localFile).href)) as { default: { kafka: object } };
    const deployed = {
      ...local.default,
      kafka: { ...local.default.kafka, brokers: ['kafka.internal.test:9092'] },
    };
    await writeFile(configFile, `export default ${JSON.stringify(deployed)};\n`);
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' };
    const noBucket = await cliRaw(
      ['dlq', 'list', '--config', configFile, '--route', name, '--table', 't'],
      env,
    );
    assert.equal(noBucket.code, 1);
    assert.match(noBucket.text, /no archive bucket: pass --bucket or set BRIDGE_BUCKET/);
    const noTable = await cliRaw(['quarantine', 'list', '--config', configFile, '--route', name], env);
    assert.equal(noTable.code, 1);
    assert.match(noTable.text, /no completions table: pass --table or set BRIDGE_COMPLETION_TABLE/);
  });

  test('every S3 request of the CLI carries the expected bucket owner', async () => {
    const { name, config, bucket, table } = await hostileWorld();
    for (const [given, expected] of [
      [undefined, '123456789012'],
      ['210987654321', '210987654321'],
    ] as const) {
      const ctx = new CliContext(config, {
        endpoint: awsEndpoint(),
        sqsEndpoint: sqsEndpoint(),
        table,
        bucket,
        ...(given === undefined ? {} : { bucketOwner: given }),
      });
      const owners: (string | undefined)[] = [];
      ctx.s3.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          owners.push(headers['x-amz-expected-bucket-owner']);
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordOwner' },
      );
      try {
        await dlqList(ctx, name);
        await dlqShow(ctx, `${name}/${name}/0/0`);
        await quarantineList(ctx, name);
        await dlqReplay(ctx, name, {}, { dryRun: true });
      } finally {
        ctx.destroy();
      }
      assert.ok(owners.length >= 4, `S3 requests seen: ${owners.length}`);
      assert.deepEqual(new Set(owners), new Set([expected]));
    }
  });
});

/** A policy of docs/iam with the deployment's names filled in. */
async function operatorPolicy(
  file: string,
  names: { bucket: string; table: string; route: string },
): Promise<Statement[]> {
  const text = (await readFile(join(REPO_ROOT, 'docs', 'iam', file), 'utf8'))
    .replaceAll('BUCKET', names.bucket)
    .replaceAll('ROUTE', names.route)
    .replaceAll('TABLE', names.table)
    .replaceAll('REGION', DEPLOYMENT.region)
    .replaceAll('ACCOUNT', DEPLOYMENT.account);
  return (JSON.parse(text) as { Statement: Statement[] }).Statement;
}

async function recorded(file: string): Promise<RecordedCall[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedCall);
}

function denied(statements: readonly Statement[], calls: readonly RecordedCall[]): string[] {
  return calls.flatMap((call) =>
    requestsOf(call, DEPLOYMENT)
      .filter((request) => evaluate(statements, request).decision !== 'allowed')
      .map((request) => `${request.action} ${request.resource}`),
  );
}

describe('CLI: operator policies (docs/iam) allow the calls it makes', () => {
  test('read-only commands need only the read-only policy; replays add the replay policy', async () => {
    const world = await hostileWorld(true);
    const { name, configFile, bucket, table } = world;
    const reads = join(dir, `${name}-reads.jsonl`);
    const writes = join(dir, `${name}-replays.jsonl`);
    const base = ['--config', configFile];
    const readEnv = { ...world.env, BRIDGE_RECORD_CALLS: reads };
    for (const args of [
      ['status'],
      ['dlq', 'list'],
      ['dlq', 'show', `${name}/${name}/0/0`],
      ['quarantine', 'list'],
      ['trace', `${name}/${name}/0/1`],
    ]) {
      const { code, text } = await cliRaw([...args, ...base], readEnv);
      assert.equal(code, 0, text);
    }
    const replayEnv = { ...world.env, BRIDGE_RECORD_CALLS: writes };
    const replayed = await cliRaw(
      ['dlq', 'replay', '--route', name, '--yes', '--wait', '1', ...base],
      replayEnv,
    );
    assert.equal(replayed.code, 0, replayed.text);

    const readOnly = await operatorPolicy('operator-read-only.json', { bucket, table, route: name });
    const replay = [
      ...readOnly,
      ...(await operatorPolicy('operator-replay.json', { bucket, table, route: name })),
    ];
    const readCalls = await recorded(reads);
    const replayCalls = await recorded(writes);
    assert.ok(
      readCalls.length >= 5 && replayCalls.length >= 5,
      `${readCalls.length} reads, ${replayCalls.length} replay calls`,
    );
    assert.deepEqual(denied(readOnly, readCalls), []);
    assert.deepEqual(denied(replay, replayCalls), []);
    const writesDenied = denied(readOnly, replayCalls);
    for (const action of ['s3:PutObject', 'sqs:SendMessage', 'dynamodb:DeleteItem']) {
      assert.ok(
        writesDenied.some((request) => request.startsWith(`${action} `)),
        `the read-only policy must deny ${action}: ${writesDenied.join(', ')}`,
      );
    }
    // Scoped to the route: the same calls on another route's names are denied.
    const other = [
      ...(await operatorPolicy('operator-read-only.json', { bucket, table, route: `${name}-other` })),
      ...(await operatorPolicy('operator-replay.json', { bucket, table, route: `${name}-other` })),
    ];
    const onOther = denied(other, replayCalls);
    for (const action of ['s3:PutObject', 'sqs:SendMessage', 'dynamodb:DeleteItem', 'dynamodb:PutItem']) {
      assert.ok(
        onOther.some((request) => request.startsWith(`${action} `)),
        `another route's policy must deny ${action}: ${onOther.join(', ')}`,
      );
    }
  });
});

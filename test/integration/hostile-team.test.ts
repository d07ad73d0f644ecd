// Hostile replays (docs/security.md), against moto (S3, DynamoDB) and ElasticMQ (SQS): two
// replays of one quarantined key at once, one from the CLI and one from the operator console,
// send it once (the second is refused by the durable lock); an archive object whose `from` is
// not the one the ledger holds for its record is refused before anything is sent.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Archive, type ArchiveRecord } from '../../lib/archive/archive.ts';
import { CliContext } from '../../lib/cli/context.ts';
import { main } from '../../lib/cli/main.ts';
import { Ledger } from '../../lib/completion/ledger.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import {
  type BridgeConfigInput,
  deadLetterQueueName,
  parseBridgeConfig,
  queueName,
} from '../../lib/config/index.ts';
import { startConsole } from '../../lib/console/server.ts';
import { type Envelope, encodeEnvelope, messageGroupId } from '../../lib/envelope/index.ts';
import { QuarantineStore } from '../../lib/quarantine/quarantine.ts';
import {
  assertReachable,
  awsEndpoint,
  cliEnv,
  dynamoClient,
  s3Client,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let dir: string;

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  dir = await mkdtemp(join(tmpdir(), 'hostile-team-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

/** A quarantining route with its queues, table and bucket, and no deliverer: what is sent stays in the queue. */
async function world() {
  const name = uniqueName('hostile');
  const bucket = uniqueName('hostile');
  const table = uniqueName('hostile-table');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
  const input: BridgeConfigInput = {
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name,
        topics: [name],
        endpoint: { type: 'http', url: 'http://127.0.0.1:9/x' },
        onPoison: 'quarantine',
      },
    ],
  };
  const config = parseBridgeConfig(input);
  const route = config.routes[0];
  assert.ok(route);
  const queues: string[] = [];
  for (const queue of [queueName(route), deadLetterQueueName(route)]) {
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: queue,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
      }),
    );
    queues.push(out.QueueUrl ?? '');
  }
  const configFile = join(dir, `${name}.mjs`);
  await writeFile(configFile, `export default ${JSON.stringify(input)};\n`);
  const ledger = new Ledger({ client: dynamo, tableName: table });
  /** A dead letter as the deliverer leaves it: ledger entry (its real `from`), archive object (the `from` given). */
  const deadLetter = async (key: string, offset: number, realFrom: number, archivedFrom = realFrom) => {
    await ledger.writeEntry(name, [
      {
        topic: name,
        partition: 0,
        from: BigInt(realFrom),
        offset: BigInt(offset),
        status: 'dead-lettered',
        attempts: 1,
      },
    ]);
    const envelope: Envelope = {
      route: name,
      topic: name,
      partition: 0,
      offset: String(offset),
      from: String(archivedFrom),
      timestamp: String(Date.now()),
      key: Buffer.from(key),
      headers: [],
      value: { inline: Buffer.from('{}') },
    };
    const group = messageGroupId({
      key: envelope.key,
      partition: 0,
      offset: envelope.offset,
      ordering: 'key',
    });
    const record: ArchiveRecord = {
      route: name,
      recordId: `${name}/${name}/0/${offset}`,
      outcome: 'dead-lettered',
      reason: 'HTTP 422',
      messageGroupId: group,
      sqsMessageId: `m-${offset}`,
      body: encodeEnvelope(envelope),
      attempts: [],
      attemptCount: 1,
      receiveCount: 1,
      archivedAt: new Date().toISOString(),
    };
    await new Archive(s3, bucket).put(Archive.keyOf(name, name, 0, String(offset)), record);
    return group;
  };
  const depth = async () => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues[0],
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  return { name, table, bucket, config, configFile, env: cliEnv({ table, bucket }), deadLetter, depth };
}

async function cli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const code = await main(args, { out: (t) => lines.push(t), err: (t) => lines.push(t), env });
  return { code, text: lines.join('\n') };
}

describe('hostile team: replays', () => {
  test('a CLI and a console replay of one quarantined key at once: one runs, the other is refused, the key is sent once', async () => {
    const w = await world();
    const group = await w.deadLetter('customer-1', 10, 10);
    await new QuarantineStore(dynamo, w.table).mark(w.name, group, `${w.name}/${w.name}/0/10`, Date.now());
    // The CLI replay sends the record and waits 3 s for an outcome no deliverer will give.
    const fromCli = cli(
      ['quarantine', 'replay', group, '--config', w.configFile, '--yes', '--wait', '3'],
      w.env,
    );
    const ctx = new CliContext(w.config, {
      table: w.table,
      bucket: w.bucket,
      endpoint: awsEndpoint(),
      sqsEndpoint: sqsEndpoint(),
    });
    const operator = await startConsole({ ctx, allowReplay: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // The operator opens the printed URL: its token is exchanged for the session cookie.
      const opened = await fetch(operator.url, { redirect: 'manual' });
      const cookie = String(opened.headers.get('set-cookie')).split(';')[0] ?? '';
      const post = await fetch(`${operator.origin}/api/replay/quarantine`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, origin: operator.origin },
        body: JSON.stringify({ route: w.name, group }),
      });
      const started = (await post.json()) as { job?: string };
      assert.equal(post.status, 202, JSON.stringify(started));
      // The console's job ends at once, refused by the lock the CLI holds.
      let page = '';
      for (let i = 0; i < 50 && !/another replay is running/.test(page); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        page = await (await fetch(`${operator.origin}${started.job}`, { headers: { cookie } })).text();
      }
      assert.match(page, /another replay is running \(kafka-bridge on /);
    } finally {
      await operator.close();
      ctx.destroy();
    }
    const cliResult = await fromCli;
    assert.equal(cliResult.code, 0, cliResult.text);
    assert.equal(await w.depth(), 1, 'the key was sent once');
    // The lock is released: a replay now may run (its record still has no outcome: pending).
    const again = await cli(
      ['quarantine', 'replay', group, '--config', w.configFile, '--yes', '--wait', '1'],
      w.env,
    );
    assert.equal(again.code, 0, again.text);
  });

  test('an archive object with a forged `from` (bridging a gap) is refused; nothing is sent, the genuine one is', async () => {
    const w = await world();
    // The record at offset 8 came after a gap (records 2-7 unfinished): its real from is 8.
    await w.deadLetter('customer-2', 8, 8, 2);
    const forged = await cli(['dlq', 'replay', '--route', w.name, '--config', w.configFile, '--yes'], w.env);
    assert.equal(forged.code, 1, forged.text);
    assert.match(
      forged.text,
      /refusing to replay archive object .*: its from 2 is not the from 8 the ledger holds for offset 8/,
    );
    assert.equal(await w.depth(), 0, 'nothing was sent');
    // The genuine object (its own from) replays.
    await w.deadLetter('customer-2', 8, 8);
    const genuine = await cli(['dlq', 'replay', '--route', w.name, '--config', w.configFile, '--yes'], w.env);
    assert.equal(genuine.code, 0, genuine.text);
    assert.equal(await w.depth(), 1);
  });
});

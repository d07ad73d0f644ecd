// The bridge through the local broker's authenticated listeners (scripts/kafka.sh): SASL_SSL
// with SCRAM-SHA-512, SSL with a client certificate (mTLS), and SASL_SSL with PLAIN (the hosted
// services' API key and secret). The credentials live in moto's
// Secrets Manager in the documented formats (docs/deploy.md, "Kafka authentication") and are
// read at run time through SecretReader, as deployed. Per listener, one record goes the whole
// way: produced with auth, forwarded by the poller, delivered to a local endpoint, committed by
// the commit logic through the same listener; the CLI reads the committed offset through it.
// Wrong credentials stop the real poller process (functions/poller.ts) with one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { logLevel } from 'kafkajs';
import { SecretReader } from '../../lib/aws/secrets.ts';
import { main } from '../../lib/cli/main.ts';
import { type BridgeConfig, parseBridgeConfig, progressGroupId, type Route } from '../../lib/config/index.ts';
import { KAFKA_API_KEYS, KAFKA_APIS } from '../../lib/kafka/apis.ts';
import { createKafkaClient } from '../../lib/kafka/client.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { LocalBridge } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { type Provisioned, provision } from '../../lib/local/provision.ts';
import { assertReachable, awsEndpoint, cliEnv, sqsEndpoint, uniqueName } from '../support/aws.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { assertKafkaReachable, createTopic } from '../support/kafka.ts';
import {
  AUTH_KINDS,
  type AuthKind,
  assertListening,
  authListener,
  requestRecorder,
} from '../support/kafka-auth.ts';
import { pollerProcessEnv } from '../support/poller-process.ts';
import { sendQueuedRecord } from '../support/redriven.ts';
import { readTopic } from '../support/topic-reader.ts';
import { eventually, problemLog } from '../support/wait.ts';

let clients: LocalClients;
let endpoint: TestEndpoint;
const { problems, log } = problemLog();

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB, Secrets Manager)');
  await assertKafkaReachable();
  clients = localClients();
  endpoint = await TestEndpoint.start();
});

after(async () => {
  destroyClients(clients);
  await endpoint.stop();
});

async function putSecret(prefix: string, value: Record<string, string>): Promise<string> {
  const name = `${prefix}/${uniqueName('kafka')}`;
  await clients.secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return name;
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 200, problems });

/** `kafka-bridge status --json` with the config written to a file, as an operator runs it. */
async function cliStatus(
  config: BridgeConfig,
  names: { table: string; bucket: string },
): Promise<{ code: number; out: string[]; err: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'kafka-auth-cli-'));
  try {
    const file = join(dir, 'bridge.config.mjs');
    const routes = config.routes.map((r) => ({
      name: r.name,
      topics: r.topics,
      endpoint: { type: 'http', url: endpoint.url },
    }));
    await writeFile(file, `export default ${JSON.stringify({ kafka: config.kafka, routes })};\n`);
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (text: string) => out.push(text),
      err: (text: string) => err.push(text),
      env: cliEnv(names),
    };
    const code = await main(['status', '--config', file, '--json'], io);
    return { code, out, err };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A one-route config whose Kafka section connects through the listener with `secret`. */
async function authConfig(
  kind: AuthKind,
  secretValue: Record<string, string>,
  topic: string,
): Promise<BridgeConfig> {
  const listener = authListener(kind);
  // MSK's SCRAM secrets must be named AmazonMSK_*; the bridge reads any name.
  const secret = await putSecret(kind === 'scram' ? 'AmazonMSK_bridge' : `bridge/${kind}`, secretValue);
  return parseBridgeConfig({
    kafka: listener.kafkaConfig(secret),
    routes: [
      {
        name: uniqueName(`auth-${kind}`),
        topics: [topic],
        endpoint: { type: 'http', url: endpoint.url },
        deadLetter: { kafkaTopic: `${topic}-failed` },
      },
    ],
  });
}

/** A message SQS redrove to the route's redrive queue by itself, as after a deliverer crashed on it. */
async function redriven(route: Route, provisioned: Provisioned): Promise<void> {
  const queue = provisioned.routes.get(route.name)?.redriveQueue ?? assert.fail('no redrive queue');
  await sendQueuedRecord(clients.sqs, queue.url, {
    route: route.name,
    topic: route.topics[0] ?? '',
    offset: '1000000',
    key: 'crashed',
    value: '{"crashed":true}',
  });
}

const LISTENER_NAMES = { scram: 'SASL_SSL with SCRAM-SHA-512', mtls: 'mTLS', plain: 'SASL_SSL with PLAIN' };
/** How the bridge names each mechanism in its errors (lib/kafka/auth.ts describeKafkaAuth), as a pattern. */
const MECHANISMS = {
  scram: 'SASL/SCRAM-SHA-512 over TLS',
  mtls: 'mTLS \\(client certificate\\)',
  plain: 'SASL/PLAIN over TLS',
};

for (const kind of AUTH_KINDS) {
  describe(`Kafka over ${LISTENER_NAMES[kind]}`, () => {
    before(() => assertListening(authListener(kind)));

    test('a record is produced, forwarded, delivered and committed through the listener; the CLI reads the commit', {
      timeout: 120_000,
    }, async (t) => {
      const topic = uniqueName(`auth-${kind}`);
      await createTopic(topic, 1);
      await createTopic(`${topic}-failed`, 1);
      const config = await authConfig(kind, authListener(kind).secret, topic);
      const route = config.routes[0];
      assert.ok(route);
      const provisioned = await provision(config, clients, {
        tableName: uniqueName('completions'),
        bucket: uniqueName('bucket'),
      });
      const secrets = new SecretReader(clients.secrets);
      const kafka = await createKafkaClient(config.kafka, { secrets, logLevel: logLevel.NOTHING });
      // The poller's, the commit logic's and the DLQ consumer's own clients, recording the Kafka
      // APIs each sends.
      const sent = {
        poller: new Set<number>(),
        committer: new Set<number>(),
        'dead-letter-writer': new Set<number>(),
      };
      const recording = (role: keyof typeof sent) =>
        createKafkaClient(config.kafka, {
          secrets,
          clientId: `auth-e2e-${role}`,
          logLevel: logLevel.DEBUG,
          logCreator: requestRecorder(sent[role]),
        });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: `k-${kind}`, value: `{"via":"${kind}"}` }] });
      await producer.disconnect();

      const bridge = new LocalBridge({
        routes: [route],
        clients,
        provisioned,
        kafka: await recording('poller'),
        commitKafka: await recording('committer'),
        deadLetterKafka: await recording('dead-letter-writer'),
        log,
      });
      await bridge.start();
      try {
        await waitFor('the delivery', async () => endpoint.requestsOf(`k-${kind}`)[0]);
        await waitFor('the commit past the record', async () =>
          bridge.progress()[0]?.partitions[0]?.after === 1n ? true : undefined,
        );
        // A record SQS redrove (a crashed deliverer): the DLQ consumer writes it to the failure
        // topic through the listener.
        await redriven(route, provisioned);
        const [failed] = await readTopic(`${topic}-failed`, 1, { settleMs: 0 });
        assert.equal(failed?.key, 'crashed');
      } finally {
        await bridge.stop();
      }
      // Every API a role sent is one its MSK IAM grants are derived from (lib/kafka/apis.ts).
      for (const role of ['poller', 'committer', 'dead-letter-writer'] as const) {
        const declared = new Map(KAFKA_APIS[role].map(({ api }) => [KAFKA_API_KEYS[api], api]));
        const undeclared = [...sent[role]].filter((key) => !declared.has(key));
        assert.deepEqual(undeclared, [], `${role} sent API keys missing from KAFKA_APIS.${role}`);
        const unseen = [...declared].filter(([key]) => !sent[role].has(key)).map(([, api]) => api);
        t.diagnostic(
          `${role} sent ${[...sent[role]].map((key) => declared.get(key)).join(', ')}; not seen: ${unseen.join(', ') || 'none'}`,
        );
      }
      for (const api of ['JoinGroup', 'SyncGroup', 'Fetch', 'OffsetFetch'] as const) {
        assert.ok(sent.poller.has(KAFKA_API_KEYS[api]), `the poller sent ${api}`);
      }
      for (const api of ['OffsetFetch', 'OffsetCommit', 'ListOffsets'] as const) {
        assert.ok(sent.committer.has(KAFKA_API_KEYS[api]), `the commit logic sent ${api}`);
      }
      for (const api of ['InitProducerId', 'Produce'] as const) {
        assert.ok(sent['dead-letter-writer'].has(KAFKA_API_KEYS[api]), `the DLQ consumer sent ${api}`);
      }

      const delivered = endpoint.requestsOf(`k-${kind}`)[0];
      assert.equal(delivered?.offset, '0');
      const body = JSON.parse(delivered?.body.toString('utf8') ?? '{}') as { value?: { inline?: string } };
      assert.equal(Buffer.from(body.value?.inline ?? '', 'base64').toString('utf8'), `{"via":"${kind}"}`);

      // The committed offset, read back through the authenticated listener.
      const offsets = new KafkaOffsets(kafka);
      try {
        assert.deepEqual(await offsets.committed(progressGroupId(route), topic), new Map([[0, 1n]]));
      } finally {
        await offsets.disconnect();
      }

      // The CLI, from a config file, reads the secret and the commit through the listener.
      const cli = await cliStatus(config, { table: provisioned.tableName, bucket: provisioned.bucket });
      assert.equal(cli.code, 0, cli.err.join('\n'));
      const status = JSON.parse(cli.out.join('\n')) as {
        partitions: { committed: string; logEnd: string }[];
      }[];
      assert.equal(status[0]?.partitions[0]?.committed, '1');
      assert.equal(status[0]?.partitions[0]?.logEnd, '1');
    });

    test(`a wrong ${kind === 'mtls' ? 'certificate' : 'password'} stops the poller process with one line naming the broker and the mechanism`, {
      timeout: 60_000,
    }, async () => {
      const listener = authListener(kind);
      const topic = uniqueName(`auth-bad-${kind}`);
      const config = await authConfig(kind, listener.wrongSecret, topic);
      const child = spawn(process.execPath, ['functions/poller.ts'], {
        env: pollerProcessEnv(config, uniqueName('bucket'), {
          metricsIntervalMs: 60_000,
          progressPollMs: 500,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      assert.equal(code, 1, `stdout: ${stdout}\nstderr: ${stderr}`);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one error line, got:\n${stderr}`);
      const line = JSON.parse(lines[0] ?? '') as { level: string; message: string; error: string };
      assert.equal(line.message, 'poller failed to start');
      const mechanism = MECHANISMS[kind];
      assert.match(
        line.error,
        new RegExp(`^kafka: cannot connect to ${listener.broker} with ${mechanism}: `),
      );
      assert.match(line.error, kind === 'mtls' ? /refused the TLS handshake/ : /rejected the credentials/);
      assert.doesNotMatch(stderr, /not-the-password|BEGIN/);
      assert.equal(stdout.trim(), '', 'nothing else was logged');

      // The CLI says the same in one line and exits 1.
      const cli = await cliStatus(config, { table: uniqueName('completions'), bucket: uniqueName('bucket') });
      assert.equal(cli.code, 1);
      assert.equal(cli.err.length, 1, cli.err.join('\n'));
      assert.match(
        cli.err[0] ?? '',
        new RegExp(`^kafka-bridge: kafka: cannot connect to ${listener.broker} with ${mechanism}: `),
      );
    });
  });
}

// IAM from the runtime's own calls (docs/deploy.md, "IAM: checked from recorded calls"): the
// whole bridge runs in local mode against the broker and emulators with BRIDGE_RECORD_CALLS on,
// through its main paths (test/support/iam/bridge-run.ts: poller forward + claim check, deliver
// success, retry across receives with the attempt log and the breaker, dead letter + quarantine
// + park, the DLQ consumer, commit runs with the lease, the notifier reading its webhook
// secrets), connected to Kafka with a secret as deployed brokers are (SCRAM: the poller and the
// commit logic read it). Every recorded call is then evaluated against the role the synthesized stack gives
// its component, every granted action must have been used, and route A's calls moved onto
// route B's names must be denied.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeleteRegistryCommand } from '@aws-sdk/client-glue';
import { RECORD_CALLS_ENV, type RecordedCall } from '../../lib/aws/call-recorder.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { assertReachable, awsEndpoint, sqsEndpoint, uniqueName } from '../support/aws.ts';
import { FakeDiscord } from '../support/discord.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { type RunResult, runBridge } from '../support/iam/bridge-run.ts';
import { evaluate, type Statement } from '../support/iam/policy.ts';
import { CHECKED_KINDS_FILE, glueSchemasOf, readCalls } from '../support/iam/recordings.ts';
import {
  type ComponentRole,
  callKind,
  deniedCalls,
  describeCall,
  requestsOf,
  roleLabel,
  roleOf,
  unusedGrants,
} from '../support/iam/roles.ts';
import { createSecrets, endpointScript, glueRegistryOf, RUN_KAFKA_AUTH } from '../support/iam/routes.ts';
import { DEPLOYMENT, synthesize } from '../support/iam/stack.ts';
import { assertKafkaReachable, createKafka } from '../support/kafka.ts';
import { AUTH_KINDS, assertListening, authListener, serverTls } from '../support/kafka-auth.ts';
import { AuthorizationServer } from '../support/oauth2.ts';

/** The whole suite's recording directory (scripts/test.sh), when this file runs inside it. */
const suiteRecording = process.env[RECORD_CALLS_ENV];
const recording = join(mkdtempSync(join(tmpdir(), 'bridge-calls-')), 'calls.jsonl');
// Set before any client is built: localClients() reads it.
process.env[RECORD_CALLS_ENV] = recording;

/**
 * What CDK's event sources grant a function (SqsEventSource: grantConsumeMessages;
 * DynamoEventSource: the stream reads): the Lambda service's event source mapping calls them
 * with the function's role, so they are not the runtime's to use. The calls LocalEventSource
 * makes in its place (receive, delete) are recorded and must be allowed all the same.
 */
const EVENT_SOURCE_GRANTS = [
  [
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ReceiveMessage',
  ],
  ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
  ['dynamodb:ListStreams'],
  // The Lambda service itself: the function's log stream, and its network interfaces in the VPC
  // (cdk/lib/bridge-function.ts, in place of AWS's managed execution policies).
  ['logs:CreateLogStream', 'logs:PutLogEvents'],
  [
    'ec2:AssignPrivateIpAddresses',
    'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:UnassignPrivateIpAddresses',
  ],
].map((actions) => JSON.stringify(actions));
function notTheRuntimes(_role: ComponentRole, action: string, statement: Statement): boolean {
  // MSK IAM permissions are Kafka's, checked per role by the Kafka tests; none with this config.
  if (action.startsWith('kafka-cluster:')) return true;
  // The bridge's roles merge statements on the same resources (minimizePolicies): a grant is the
  // service's when its action is one of these groups' and so is every action merged with it.
  const actions = typeof statement.Action === 'string' ? [statement.Action] : [...(statement.Action ?? [])];
  const services = new Set(EVENT_SOURCE_GRANTS.flatMap((group) => JSON.parse(group) as string[]));
  return services.has(action) && actions.every((each) => services.has(each));
}

const a = uniqueName('iam');
// A name that starts with A's: `a#*` must not reach it.
const b = `${a}-eu`;
let clients: LocalClients;
let endpoint: TestEndpoint;
let discord: FakeDiscord;
let authorization: AuthorizationServer;
let calls: RecordedCall[] = [];
let roles: ComponentRole[] = [];
let run: RunResult;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB, Secrets Manager)');
  await assertKafkaReachable();
  await assertListening(authListener(RUN_KAFKA_AUTH));
  clients = localClients();
  discord = await FakeDiscord.start();
  // HTTPS requiring a client certificate: both routes present theirs (endpoint.auth).
  endpoint = await TestEndpoint.start(endpointScript, 0, serverTls());
  authorization = await AuthorizationServer.start();
});

after(async () => {
  await endpoint?.stop();
  await authorization?.stop();
  await discord?.stop();
  // An account holds at most 10 Glue registries (moto enforces it too): leave none behind.
  await clients?.glue
    .send(new DeleteRegistryCommand({ RegistryId: { RegistryName: glueRegistryOf(b) } }))
    .catch(() => undefined);
  if (clients !== undefined) destroyClients(clients);
});

describe('IAM from recorded calls', () => {
  before(
    async () => {
      const kafka = createKafka('iam-recorded-calls');
      const setup = { a, b, clients, discord, endpoint, kafka, tokenUrl: authorization.tokenUrl };
      await createSecrets(setup);
      run = await runBridge(setup);
      calls = await glueSchemasOf(readCalls(recording), clients.glue);
      roles = synthesize(a, b, run);
      // The kinds of call checked here, for the suite's last step: every kind the other tests
      // recorded must be one of them (test/suite/recorded-calls.test.ts).
      if (suiteRecording !== undefined && isDirectory(suiteRecording))
        writeFileSync(
          join(suiteRecording, CHECKED_KINDS_FILE),
          JSON.stringify([...new Set(calls.map(callKind))]),
        );
    },
    { timeout: 180_000 },
  );

  test('every component made calls, and each has its role in the template', () => {
    const seen = new Set(calls.map((call) => `${call.component}${call.route ? `:${call.route}` : ''}`));
    for (const expected of ['poller', 'commit', 'notifier', `deliverer:${a}`, `deliverer:${b}`, `dlq:${a}`])
      assert.ok(seen.has(expected), `no calls recorded for ${expected}; saw ${[...seen].join(', ')}`);
    assert.equal(roles.length, 7, `roles: ${roles.map(roleLabel).join(', ')}`);
  });

  test("each recorded call is allowed by its component's role", () => {
    assert.deepEqual(deniedCalls(roles, calls, DEPLOYMENT), []);
  });

  test('each granted action was called (event source and Lambda execution grants aside); no managed policy', () => {
    assert.deepEqual(unusedGrants(roles, calls, DEPLOYMENT, notTheRuntimes), []);
    for (const role of roles) assert.deepEqual(role.managedPolicies, [], roleLabel(role));
  });

  test('synthesized with each other kind of Kafka secret, the same calls are allowed and every grant is used', () => {
    for (const kind of AUTH_KINDS.filter((each) => each !== RUN_KAFKA_AUTH)) {
      const other = synthesize(a, b, run, kind);
      assert.deepEqual(deniedCalls(other, calls, DEPLOYMENT), [], `Kafka auth ${kind}`);
      assert.deepEqual(unusedGrants(other, calls, DEPLOYMENT, notTheRuntimes), [], `Kafka auth ${kind}`);
    }
  });

  test(`route ${a}'s functions are denied route ${b}'s keys, prefixes, queues and secrets`, () => {
    let checked = 0;
    for (const call of calls.filter((c) => c.route === a)) {
      const role = roleOf(roles, call) ?? assert.fail(`no role for ${describeCall(call)}`);
      // Route B's names where A's were: queues, partition keys, S3 prefixes, secret names.
      const moved = JSON.parse(JSON.stringify(call).replaceAll(a, b)) as RecordedCall;
      const swapped = { ...moved, component: call.component, route: a };
      if (JSON.stringify(describeCall(swapped)) === JSON.stringify(describeCall(call))) continue;
      for (const request of requestsOf(swapped, DEPLOYMENT)) {
        const decision = evaluate(role.statements, request);
        assert.notEqual(
          decision.decision,
          'allowed',
          `${roleLabel(role)} may ${request.action} on ${request.resource}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} moved calls checked`);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { invokeAsLambda, LAMBDA_INVOKE_PAYLOAD_BYTES } from '../../../lib/local/event-source.ts';
import { matchesFilter, parseFilter } from '../../../lib/local/stream-filter.ts';
import { FunctionTriggers, type TriggerWorld } from '../../../lib/local/triggers.ts';
import { type CfnTemplate, readWiring } from '../../../lib/local/wiring.ts';

/** A template with one route's queues and deliverer, the commit function's stream and schedule. */
function template(mapping: Record<string, unknown> = {}): CfnTemplate {
  const fn = (service: string, route?: string) => ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      Timeout: 130,
      MemorySize: 512,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: service,
          ...(route === undefined ? {} : { ROUTE_NAME: route }),
          QUEUE_URL: { Ref: 'Q' },
        },
      },
    },
  });
  return {
    Resources: {
      Q: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'orders.fifo',
          FifoQueue: true,
          VisibilityTimeout: 180,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['R', 'Arn'] }, maxReceiveCount: 13 },
        },
      },
      R: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders-redrive.fifo', FifoQueue: true } },
      T: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      D: fn('kafka-bridge-deliver', 'orders'),
      C: {
        ...fn('kafka-bridge-commit'),
        Properties: { ...fn('kafka-bridge-commit').Properties, ReservedConcurrentExecutions: 1 },
      },
      M: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'D' },
          EventSourceArn: { 'Fn::GetAtt': ['Q', 'Arn'] },
          BatchSize: 10,
          ScalingConfig: { MaximumConcurrency: 10 },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ...mapping,
        },
      },
      S: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'C' },
          EventSourceArn: { 'Fn::GetAtt': ['T', 'StreamArn'] },
          BatchSize: 100,
          MaximumBatchingWindowInSeconds: 5,
          MaximumRetryAttempts: 2,
          StartingPosition: 'LATEST',
          FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
        },
      },
      E: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          Targets: [{ Arn: { 'Fn::GetAtt': ['C', 'Arn'] } }],
        },
      },
    },
  };
}

const world = {} as TriggerWorld; // the constructor only reads the wiring

describe('readWiring', () => {
  test('places queues, functions, mappings and schedules by role, with the template values', () => {
    const wiring = readWiring(template(), [{ name: 'orders' }]);
    const queue = wiring.queues.find((q) => q.key === 'orders:queue');
    assert.equal(queue?.attributes.VisibilityTimeout, '180');
    assert.deepEqual(queue?.redrive, { target: 'orders:redrive', maxReceiveCount: 13 });
    assert.deepEqual(
      wiring.functions.map((f) => [f.key, f.timeoutMs, f.reservedConcurrency]),
      [
        ['orders:deliver', 130_000, undefined],
        ['commit', 130_000, 1],
      ],
    );
    assert.deepEqual(wiring.functions[0]?.environment.QUEUE_URL, { queueUrl: 'orders:queue' });
    const [sqs, stream] = wiring.mappings;
    assert.equal(sqs?.batchSize, 10);
    assert.equal(sqs?.maximumConcurrency, 10);
    assert.equal(sqs?.reportBatchItemFailures, true);
    assert.deepEqual(stream?.source, { stream: 'completions' });
    assert.equal(stream?.batchingWindowMs, 5_000);
    assert.deepEqual(stream?.filters, ['{"eventName":["INSERT"]}']);
    assert.deepEqual(wiring.schedules, [{ function: 'commit', rateMs: 60_000 }]);
  });

  test('a mapping setting it does not know is kept, and the local runner refuses it naming it', () => {
    const wiring = readWiring(template({ TumblingWindowInSeconds: 30 }), [{ name: 'orders' }]);
    assert.deepEqual(wiring.mappings[0]?.unknown, ['TumblingWindowInSeconds']);
    assert.throws(
      () =>
        new FunctionTriggers(
          wiring,
          'orders:deliver',
          world,
          { sqs: async () => undefined },
          () => undefined,
        ),
      /orders:deliver: event source setting\(s\) TumblingWindowInSeconds is not reproduced/,
    );
  });

  test('a trigger without a handler for it is refused, naming the function', () => {
    const wiring = readWiring(template(), [{ name: 'orders' }]);
    assert.throws(
      () => new FunctionTriggers(wiring, 'commit', world, { stream: async () => undefined }, () => undefined),
      /function commit: a schedule/,
    );
  });
});

describe('invokeAsLambda', () => {
  test("refuses an event over Lambda's 6 MB payload without running the function", async () => {
    let ran = false;
    const event = { body: 'x'.repeat(LAMBDA_INVOKE_PAYLOAD_BYTES) };
    await assert.rejects(
      invokeAsLambda(event, 1_000, async () => {
        ran = true;
      }),
      /exceeds Lambda's 6291456-byte invoke payload limit/,
    );
    assert.equal(ran, false);
  });

  test("fails at the function's timeout, as Lambda does, while the work is still running", async () => {
    const started = Date.now();
    await assert.rejects(
      invokeAsLambda({}, 100, () => new Promise((resolve) => setTimeout(resolve, 2_000))),
      /Task timed out after 0.10 seconds/,
    );
    assert.ok(Date.now() - started < 1_000);
  });
});

describe('stream filters', () => {
  const insert = { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'entries#orders' } } } };
  test('exact values, prefix, suffix and anything-but', () => {
    assert.equal(matchesFilter(parseFilter('{"eventName":["INSERT"]}'), insert), true);
    assert.equal(
      matchesFilter(parseFilter('{"eventName":["INSERT"]}'), { ...insert, eventName: 'MODIFY' }),
      false,
    );
    const prefix = parseFilter('{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"entries#"}]}}}}');
    assert.equal(matchesFilter(prefix, insert), true);
    assert.equal(matchesFilter(prefix, { dynamodb: { Keys: { pk: { S: 'lease#orders' } } } }), false);
    const suffix = parseFilter('{"dynamodb":{"Keys":{"pk":{"S":[{"suffix":"#orders"}]}}}}');
    assert.equal(matchesFilter(suffix, insert), true);
    assert.equal(matchesFilter(suffix, { dynamodb: { Keys: { pk: { S: 'entries#payments' } } } }), false);
    assert.equal(matchesFilter(parseFilter('{"eventName":[{"anything-but":["REMOVE"]}]}'), insert), true);
  });

  test('a rule the local source does not apply is refused when read', () => {
    assert.throws(
      () => parseFilter('{"eventName":[{"wildcard":"IN*"}]}'),
      /filter rule "wildcard" at eventName/,
    );
  });
});

// The IAM evaluator the recorded-calls test relies on (test/support/iam/policy.ts), against
// AWS's documented evaluation rules for the subset the bridge's template uses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate, type Statement, wildcardMatch } from '../../support/iam/policy.ts';
import { decide } from '../../support/iam/resource-policies.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/completions';
const leading = (...keys: string[]) => ({ 'dynamodb:LeadingKeys': keys });
const deliverer: Statement = {
  Effect: 'Allow',
  Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
  Resource: TABLE,
  Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['orders#*'] } },
};

describe('IAM evaluator', () => {
  test('wildcards: * any run, ? one character, nothing else is special', () => {
    assert.ok(wildcardMatch('arn:aws:s3:::b/payloads/orders/*', 'arn:aws:s3:::b/payloads/orders/t/0/1'));
    assert.ok(!wildcardMatch('arn:aws:s3:::b/payloads/orders/*', 'arn:aws:s3:::b/payloads/orders-eu/t/0/1'));
    assert.ok(wildcardMatch('secret:x-??????', 'secret:x-AbC123'));
    assert.ok(!wildcardMatch('secret:x-??????', 'secret:x-AbC12'));
    assert.ok(!wildcardMatch('a.b', 'axb'), 'a dot is a dot');
    assert.ok(wildcardMatch('SQS:Send*', 'sqs:SendMessage', true), 'actions ignore case');
  });

  test('an action and resource that match, with every leading key allowed, are allowed', () => {
    const decision = evaluate([deliverer], {
      action: 'dynamodb:BatchGetItem',
      resource: TABLE,
      context: leading('orders#t#0', 'orders#t#1'),
    });
    assert.equal(decision.decision, 'allowed');
  });

  test('ForAllValues: one key outside the patterns denies the whole call', () => {
    const decision = evaluate([deliverer], {
      action: 'dynamodb:BatchGetItem',
      resource: TABLE,
      context: leading('orders#t#0', 'orders-eu#t#0'),
    });
    assert.equal(decision.decision, 'implicit-deny');
  });

  test('ForAllValues over no key at all is true (why a Scan must never be granted with it)', () => {
    const decision = evaluate([{ ...deliverer, Action: 'dynamodb:Scan' }], {
      action: 'dynamodb:Scan',
      resource: TABLE,
    });
    assert.equal(decision.decision, 'allowed');
  });

  test('ForAnyValue and plain operators are false on a missing key', () => {
    for (const operator of ['ForAnyValue:StringLike', 'StringLike', 'StringEquals']) {
      const statement: Statement = {
        ...deliverer,
        Condition: { [operator]: { 'dynamodb:LeadingKeys': ['*'] } },
      };
      assert.equal(
        evaluate([statement], { action: 'dynamodb:PutItem', resource: TABLE }).decision,
        'implicit-deny',
      );
    }
  });

  test('another action, another resource or no statement: implicit deny', () => {
    assert.equal(
      evaluate([deliverer], { action: 'dynamodb:Scan', resource: TABLE, context: leading('orders#t#0') })
        .decision,
      'implicit-deny',
    );
    assert.equal(
      evaluate([deliverer], {
        action: 'dynamodb:PutItem',
        resource: `${TABLE}-other`,
        context: leading('orders#a'),
      }).decision,
      'implicit-deny',
    );
    assert.equal(evaluate([], { action: 'sqs:SendMessage', resource: '*' }).decision, 'implicit-deny');
  });

  test('an explicit Deny wins over an Allow', () => {
    const deny: Statement = { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' };
    const decision = evaluate([deliverer, deny], {
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: leading('orders#t#0'),
    });
    assert.equal(decision.decision, 'explicit-deny');
  });

  test('what it does not know it refuses, naming it', () => {
    const notAction = { Effect: 'Allow', NotAction: 'x:*', Resource: '*' } as unknown as Statement;
    assert.throws(() => evaluate([notAction], { action: 'x:Y', resource: '*' }), /NotAction/);
    const ip: Statement = {
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } },
    };
    assert.throws(() => evaluate([ip], { action: 'x:Y', resource: '*' }), /IpAddress/);
  });

  test('resource policies: a Principal names who a statement is about; ArnLike on the source', () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:alarms';
    const allowAlarms: Statement = {
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topic,
      Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Stack-*' } },
    };
    const sslOnly: Statement = {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: topic,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const publish = (principal: string, alarm: string, secure = 'true') => ({
      principal: { type: 'Service' as const, id: principal },
      action: 'sns:Publish',
      resource: topic,
      context: {
        'aws:SourceArn': [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm}`],
        'aws:SecureTransport': [secure],
      },
    });
    const account = '123456789012';
    assert.equal(
      decide(publish('cloudwatch.amazonaws.com', 'Stack-a'), [allowAlarms, sslOnly], undefined, account)
        .decision,
      'allowed',
    );
    assert.equal(
      decide(publish('events.amazonaws.com', 'Stack-a'), [allowAlarms], undefined, account).decision,
      'implicit-deny',
    );
    assert.equal(
      decide(publish('cloudwatch.amazonaws.com', 'Other-a'), [allowAlarms], undefined, account).decision,
      'implicit-deny',
    );
    // `{ AWS: '*' }` is every principal, services included.
    assert.equal(
      decide(
        publish('cloudwatch.amazonaws.com', 'Stack-a', 'false'),
        [allowAlarms, sslOnly],
        undefined,
        account,
      ).decision,
      'explicit-deny',
    );
    // With only a Deny, a service principal has no Allow: the missing alarm-topic statement.
    assert.equal(
      decide(publish('cloudwatch.amazonaws.com', 'Stack-a'), [sslOnly], undefined, account).decision,
      'implicit-deny',
    );
  });

  test('resource policies with identity policies: same account needs either Allow, another account the resource’s', () => {
    const queue = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
    const identity: Statement[] = [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue }];
    const send = (role: string) => ({
      principal: { type: 'AWS' as const, id: role },
      action: 'sqs:SendMessage',
      resource: queue,
    });
    const own = 'arn:aws:iam::123456789012:role/poller';
    const foreign = 'arn:aws:iam::999999999999:role/poller';
    assert.equal(decide(send(own), [], identity, '123456789012').decision, 'allowed');
    assert.equal(decide(send(own), [], [], '123456789012').decision, 'implicit-deny');
    assert.equal(decide(send(foreign), [], identity, '123456789012').decision, 'implicit-deny');
    const admitAccount: Statement = {
      Effect: 'Allow',
      Principal: { AWS: '999999999999' },
      Action: 'sqs:*',
      Resource: queue,
    };
    assert.equal(decide(send(foreign), [admitAccount], identity, '123456789012').decision, 'allowed');
  });
});

// The IAM evaluator the recorded-calls test relies on (test/support/iam/policy.ts), against
// AWS's documented evaluation rules for the subset the bridge's template uses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate, type Statement, wildcardMatch } from '../../support/iam/policy.ts';

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
});

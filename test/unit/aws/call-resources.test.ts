// What the recorder writes for a call (lib/aws/call-resources.ts): the action IAM authorizes
// and the resource names, from an SDK command's input in either DynamoDB form.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callTarget } from '../../../lib/aws/call-resources.ts';

describe('recorded call targets', () => {
  test('batch calls are recorded as the action IAM authorizes them as', () => {
    const url = 'http://127.0.0.1:9324/000000000000/orders.fifo';
    assert.deepEqual(callTarget('SQSClient', 'SendMessageBatch', { QueueUrl: url }), {
      service: 'sqs',
      action: 'SendMessage',
      queue: 'orders.fifo',
    });
    assert.equal(callTarget('SQSClient', 'DeleteMessageBatch', { QueueUrl: url }).action, 'DeleteMessage');
    assert.equal(
      callTarget('SQSClient', 'ChangeMessageVisibilityBatch', { QueueUrl: url }).action,
      'ChangeMessageVisibility',
    );
    assert.equal(callTarget('LambdaClient', 'Invoke', { FunctionName: 'f' }).action, 'InvokeFunction');
    assert.deepEqual(callTarget('S3Client', 'ListObjectsV2', { Bucket: 'b', Prefix: 'archive/orders/' }), {
      service: 's3',
      action: 'ListBucket',
      bucket: 'b',
      prefix: 'archive/orders/',
    });
  });

  test('leading keys from keys, items, batch requests and a query condition, marshalled or not', () => {
    assert.deepEqual(
      callTarget('DynamoDBClient', 'GetItem', {
        TableName: 't',
        Key: { pk: { S: 'breaker#a' }, sk: { S: 'state' } },
      }).leadingKeys,
      ['breaker#a'],
    );
    assert.deepEqual(
      callTarget('DynamoDBClient', 'PutItem', { TableName: 't', Item: { pk: 'a#t#0', sk: '1' } }).leadingKeys,
      ['a#t#0'],
    );
    const batch = callTarget('DynamoDBClient', 'BatchGetItem', {
      RequestItems: { t: { Keys: [{ pk: { S: 'a#t#0' } }, { pk: { S: 'a#t#1' } }, { pk: { S: 'a#t#0' } }] } },
    });
    assert.deepEqual(batch, {
      service: 'dynamodb',
      action: 'BatchGetItem',
      table: 't',
      leadingKeys: ['a#t#0', 'a#t#1'],
    });
    const writes = callTarget('DynamoDBClient', 'BatchWriteItem', {
      RequestItems: {
        t: [
          { DeleteRequest: { Key: { pk: { S: 'a#t#0' } } } },
          { PutRequest: { Item: { pk: { S: 'b#t#0' } } } },
        ],
      },
    });
    assert.deepEqual(writes.leadingKeys, ['a#t#0', 'b#t#0']);
    const query = callTarget('DynamoDBClient', 'Query', {
      TableName: 't',
      KeyConditionExpression: '#k = :p AND sk >= :s',
      ExpressionAttributeNames: { '#k': 'pk' },
      ExpressionAttributeValues: { ':p': { S: 'quarantine#a' }, ':s': { S: '0' } },
    });
    assert.deepEqual(query.leadingKeys, ['quarantine#a']);
  });

  test('a Scan names no leading key (IAM then has none to check)', () => {
    assert.deepEqual(callTarget('DynamoDBClient', 'Scan', { TableName: 't' }).leadingKeys, []);
  });
});

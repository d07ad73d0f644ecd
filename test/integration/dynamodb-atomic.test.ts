// The local DynamoDB applies a conditional write atomically, as DynamoDB does: when several
// commit runs race for one route's lease (a conditional UpdateItem "when free"), exactly one
// takes it. moto's threaded server alone does not guarantee it (two holders in about 1 of 100
// rounds of four); scripts/aws-emulator/moto_server.py runs its DynamoDB requests one at a time.
// The lease, the completion puts and the quarantine all rest on this, so every test that races
// them does too.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CommitLease } from '../../lib/commit/lease.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { assertReachable, awsEndpoint, dynamoClient } from '../support/aws.ts';
import { uniqueName } from '../support/kafka.ts';

let dynamo: DynamoDBClient;
let tableName = '';
before(async () => {
  await assertReachable(awsEndpoint(), 'the AWS emulator');
  dynamo = dynamoClient();
  tableName = uniqueName('atomic');
  await dynamo.send(new CreateTableCommand(completionTableDefinition(tableName)));
});

test('many runs racing for one lease: exactly one takes it, every round', async () => {
  const lease = new CommitLease(dynamo, tableName);
  const owners = ['a', 'b', 'c', 'd', 'e', 'f'];
  const doubles: string[] = [];
  for (let round = 0; round < 150; round++) {
    const route = `race-${round}`;
    const taken = await Promise.all(owners.map((owner) => lease.acquire(route, owner, 60_000)));
    const holders = taken.filter((held) => held !== undefined).map((held) => held.owner);
    assert.ok(holders.length >= 1, `round ${round}: nobody took a free lease`);
    if (holders.length > 1) doubles.push(`round ${round}: ${holders.join(', ')}`);
  }
  assert.deepEqual(doubles, [], 'a conditional write that two racers both won');
});

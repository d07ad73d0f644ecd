// The console reads routes again and again in one process, where the CLI exits after one command:
// a reading that fails must not leave a Kafka connection behind. Reading a missing topic made
// kafkajs reconnect for the second of two concurrent calls after the first had failed and the
// caller had disconnected: one socket leaked per reading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliContext } from '../../lib/cli/context.ts';
import { status } from '../../lib/cli/status.ts';
import { parseBridgeConfig } from '../../lib/config/index.ts';
import { awsEndpoint, sqsEndpoint, uniqueName } from '../support/aws.ts';
import { assertKafkaReachable, kafkaBrokers } from '../support/kafka.ts';

const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

test('status of a route whose topic is missing fails and leaves no socket open', {
  timeout: 90_000,
}, async () => {
  await assertKafkaReachable();
  const name = uniqueName('sockets');
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [{ name, topics: [`${name}-missing`], endpoint: { type: 'http', url: 'http://127.0.0.1:9/x' } }],
  });
  const ctx = new CliContext(config, { endpoint: awsEndpoint(), sqsEndpoint: sqsEndpoint() }, {});
  try {
    const before = sockets();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(status(ctx, name), /does not exist on Kafka/);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(sockets(), before, `sockets left open: ${process.getActiveResourcesInfo().join(', ')}`);
  } finally {
    ctx.destroy();
  }
});

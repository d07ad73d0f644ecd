// The deliverer and the poller's decode marks (lib/envelope/marks.ts): a `deadLetter` mark is
// dead-lettered at once through the shared procedure, never called; a `schema` mark reaches the
// endpoint with the value (and key) as JSON.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deliverer } from '../../../lib/deliver/deliverer.ts';
import type { DeliveryRequest, Target } from '../../../lib/deliver/target.ts';
import { type Envelope, encodeEnvelope, endpointBody } from '../../../lib/envelope/index.ts';
import { envelopeAt, Fakes, routeWith, sqsRecord } from './fakes.ts';

function deliverer(fakes: Fakes, target: Target, route = routeWith()): Deliverer {
  return new Deliverer({
    route,
    target,
    sqs: fakes.sqs as never,
    queueUrl: 'queue-url',
    deadLetterQueueUrl: 'dlq-url',
    s3: {} as never,
    archive: fakes.archive as never,
    completions: fakes.ledger as never,
    ledger: fakes.ledger as never,
    quarantine: fakes.quarantine as never,
    attemptLog: { get: async () => ({ count: 0, attempts: [] }) } as never,
    metrics: fakes.metrics,
    logger: fakes.logger,
    now: () => 5,
    random: () => 0,
  });
}

function recordingTarget(): Target & { requests: DeliveryRequest[] } {
  const requests: DeliveryRequest[] = [];
  return {
    requests,
    async deliver(request) {
      requests.push(request);
      return { status: 200 };
    },
  };
}

const undecodable: Envelope = {
  ...envelopeAt(3),
  value: { inline: Buffer.from([0, 0, 0, 0, 99, 1, 2]) },
  deadLetter: { reason: 'schema-not-found', detail: 'record value: the registry has no schema id 99' },
};

describe('Deliverer: decode marks', () => {
  test('a deadLetter mark: archived and sent to the DLQ with its reason at once, the endpoint never called', async () => {
    const fakes = new Fakes();
    const target = recordingTarget();
    const d = deliverer(fakes, target);
    const batch = fakes.batch();

    const outcome = await d.process(sqsRecord(encodeEnvelope(undecodable)), batch, Number.MAX_SAFE_INTEGER);

    assert.equal(outcome, 'dead-lettered');
    assert.equal(target.requests.length, 0);
    const reason = 'schema-not-found: record value: the registry has no schema id 99';
    assert.equal(fakes.archived[0]?.record.reason, reason);
    const attributes = fakes.sent[0]?.input.MessageAttributes as Record<string, { StringValue: string }>;
    assert.equal(attributes['bridge-reason']?.StringValue, reason);
    assert.equal(fakes.sent[0]?.input.QueueUrl, 'dlq-url');
    // The record as it was read is kept: the archive has its own bytes.
    assert.equal(
      fakes.archived[0]?.record.payloadBase64,
      Buffer.from([0, 0, 0, 0, 99, 1, 2]).toString('base64'),
    );
    assert.deepEqual(fakes.steps.slice(0, 2), ['archive', 'sqs'], 'the shared dead-letter procedure');
  });

  test("with onPoison 'block' a deadLetter mark waits like any record that cannot be delivered", async () => {
    const fakes = new Fakes();
    const target = recordingTarget();
    const d = deliverer(fakes, target, routeWith({ onPoison: 'block' }));
    await assert.rejects(
      d.process(sqsRecord(encodeEnvelope(undecodable)), fakes.batch(), Number.MAX_SAFE_INTEGER),
    );
    assert.equal(target.requests.length, 0);
    assert.deepEqual(fakes.archived, []);
  });

  test('a schema mark reaches the endpoint with value and key as JSON and the schema beside them', async () => {
    const fakes = new Fakes();
    const target = recordingTarget();
    const decoded: Envelope = {
      ...envelopeAt(4),
      key: Buffer.from('{"customer":"acme"}'),
      value: { inline: Buffer.from('{"id":77,"total":"9007199254740993"}') },
      schema: {
        value: { registry: 'confluent', id: 7, format: 'avro' },
        key: { registry: 'confluent', id: 8, format: 'avro' },
      },
    };
    const outcome = await deliverer(fakes, target).process(
      sqsRecord(encodeEnvelope(decoded)),
      fakes.batch(),
      Number.MAX_SAFE_INTEGER,
    );
    assert.equal(outcome, 'delivered');
    const request = target.requests[0] ?? assert.fail('not called');
    const body = JSON.parse(endpointBody(request.envelope, request.payload));
    assert.deepEqual(body.value, { json: { id: 77, total: '9007199254740993' } });
    assert.deepEqual(body.key, { json: { customer: 'acme' } });
    assert.deepEqual(body.schema, decoded.schema);
  });
});

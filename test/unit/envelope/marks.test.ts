// The envelope's decode marks (lib/envelope/marks.ts) and the poller's envelope step writing them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { decodeEnvelope, type Envelope, encodeEnvelope, endpointBody } from '../../../lib/envelope/index.ts';
import { EnvelopeStep } from '../../../lib/poller/envelope-step.ts';
import { NOOP_LOG } from '../../../lib/poller/owned.ts';
import type { DecodedRecord } from '../../../lib/poller/stages.ts';
import { pollerRoute } from '../poller/fakes.ts';

const base: Envelope = {
  route: 'orders',
  topic: 'orders',
  partition: 0,
  offset: '5',
  from: '5',
  timestamp: '-1',
  key: Buffer.from('k'),
  headers: [],
  value: { inline: Buffer.from('{"id":1}') },
};

const control = { isCurrent: () => true, keepAlive: async () => undefined, report: () => undefined };

function prepared(record: Partial<DecodedRecord>, key: Buffer | null = Buffer.from('raw-key')): Envelope {
  const message = {
    offset: '5',
    key,
    value: Buffer.from([0, 1, 2]),
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
  const step = new EnvelopeStep({ route: pollerRoute(), payloads: undefined, log: NOOP_LOG });
  const out = step.prepare(
    { topic: 'orders', partition: 0, offset: 5n, message: message as KafkaMessage, ...record },
    5n,
    control,
  );
  assert.ok(!(out instanceof Promise));
  return decodeEnvelope(out.body);
}

describe('envelope decode marks', () => {
  test('an envelope without marks is written exactly as before: no schema, no deadLetter field', () => {
    const body = encodeEnvelope(base);
    assert.doesNotMatch(body, /schema|deadLetter/);
    assert.deepEqual(decodeEnvelope(body), base);
  });

  test('both marks survive the wire', () => {
    const marked: Envelope = {
      ...base,
      schema: {
        value: { registry: 'glue', versionId: 'b7b4a7f0-1', version: 2, format: 'protobuf' },
        key: null,
      },
      deadLetter: { reason: 'deserialization-error', detail: 'bad magic byte 7' },
    };
    assert.deepEqual(decodeEnvelope(encodeEnvelope(marked)), marked);
  });

  test('a mark that breaks the contract is refused naming the field', () => {
    const body = encodeEnvelope({ ...base, deadLetter: { reason: 'Not A Reason', detail: '' } });
    assert.throws(() => decodeEnvelope(body), /deadLetter\.reason: is not a reason/);
  });

  test('the poller writes a decoded record as JSON text with its schema, grouped by the raw key', () => {
    const envelope = prepared({
      decoded: { value: { id: 77 }, schema: { registry: 'confluent', id: 3, format: 'avro' } },
    });
    assert.equal(
      envelope.value !== null && 'inline' in envelope.value && envelope.value.inline.toString(),
      '{"id":77}',
    );
    assert.equal(envelope.key?.toString(), 'raw-key', 'keys stay bytes unless the route decodes them');
    assert.deepEqual(envelope.schema, { value: { registry: 'confluent', id: 3, format: 'avro' } });
    assert.deepEqual(JSON.parse(endpointBody(envelope, Buffer.from('{"id":77}'))).value, {
      json: { id: 77 },
    });
  });

  test('a decoded key and a tombstone', () => {
    const envelope = prepared({
      decoded: {
        value: null,
        schema: null,
        key: 'acme',
        keySchema: { registry: 'confluent', id: 4, format: 'avro' },
      },
    });
    assert.equal(envelope.value, null);
    assert.equal(envelope.key?.toString(), '"acme"');
    const body = JSON.parse(endpointBody(envelope, null));
    assert.deepEqual(body.key, { json: 'acme' });
    assert.equal(body.value, null);
  });

  test('a record the decode stage gave up keeps its own bytes and carries the mark, its detail cut', () => {
    const envelope = prepared({ deadLetter: { reason: 'schema-not-found', message: 'x'.repeat(5_000) } });
    assert.deepEqual(envelope.value, { inline: Buffer.from([0, 1, 2]) });
    assert.equal(envelope.deadLetter?.reason, 'schema-not-found');
    assert.equal(envelope.deadLetter?.detail.length, 1_000);
    assert.equal(envelope.schema, undefined);
  });
});

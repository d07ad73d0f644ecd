import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type PolledRecord, runStages } from '../../../lib/poller/stages.ts';
import { kafkaMessage } from './fakes.ts';

const record: PolledRecord = { topic: 'orders', partition: 0, offset: 7n, message: kafkaMessage(7) };

describe('runStages', () => {
  test('without a decode stage the result is synchronous: no promise per record', () => {
    const result = runStages({ filter: () => true }, record);
    assert.deepEqual(result, { kind: 'forward', record });
  });

  test('the filter sees what the decoder made of the record', async () => {
    const result = await runStages(
      {
        decode: async (r) => ({ kind: 'decoded', decoded: { ...r, decoded: { value: { amount: 3 } } } }),
        filter: (r) => (r.decoded?.value as { amount?: number } | undefined)?.amount === 9,
      },
      record,
    );
    assert.deepEqual(result, { kind: 'filtered' });
  });

  test('a record the decoder dead-letters goes on marked, whatever the filter says', () => {
    const result = runStages(
      {
        decode: () => ({ kind: 'dead-letter', reason: 'deserialization-error', message: 'bad magic byte' }),
        filter: () => false,
      },
      record,
    );
    assert.deepEqual(result, {
      kind: 'forward',
      record: { ...record, deadLetter: { reason: 'deserialization-error', message: 'bad magic byte' } },
    });
  });

  test('a hold is passed on as it is', () => {
    const hold = { kind: 'hold', reason: 'registry unavailable', retryAfterMs: 1000 } as const;
    assert.deepEqual(runStages({ decode: () => hold, filter: () => false }, record), hold);
  });
});

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Archive, type ArchiveRecord } from '../../lib/archive/archive.ts';
import { assertReachable, awsEndpoint, s3Client, uniqueName } from '../support/aws.ts';

let s3: S3Client;
let bucket: string;

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (S3)');
  s3 = s3Client();
  bucket = uniqueName('archive');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

function record(recordId: string): ArchiveRecord {
  return { recordId, outcome: 'dead-lettered', reason: 'answered 400' } as unknown as ArchiveRecord;
}

describe('Archive.list', () => {
  test("lists every object of one route, in key order, parsed, and nothing of another route's", async () => {
    // Prepare: written out of offset order, plus another route and a route whose name extends this one.
    const archive = new Archive(s3, bucket);
    for (const offset of ['10', '2', '1']) {
      await archive.put(Archive.keyOf('orders', 't', 0, offset), record(`orders/t/0/${offset}`));
    }
    await archive.put(Archive.keyOf('payments', 't', 0, '1'), record('payments/t/0/1'));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'archive/orders-v2/t/0/1.json', Body: '{}' }));

    // Act
    const listed: string[] = [];
    for await (const { record: r } of archive.list('orders')) listed.push(String(r.recordId));

    // Assess: zero-padded offsets make key order offset order; the prefix ends with '/'.
    assert.deepEqual(listed, ['orders/t/0/1', 'orders/t/0/2', 'orders/t/0/10']);
  });
});

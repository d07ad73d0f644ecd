import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveRecord } from '../archive/archive.ts';
import { archivePrefix } from '../config/index.ts';
import { decodeEnvelope } from '../envelope/index.ts';
import { parseSampleOrder, type SampleOrder } from './sample-order.ts';

/** A dead-lettered or parked record of the demo, read back from the archive. */
export interface ArchivedOrder {
  readonly recordId: string;
  readonly outcome: ArchiveRecord['outcome'];
  readonly reason: string;
  /** Undefined when the archived value is not a sample order (another producer's record). */
  readonly order: SampleOrder | undefined;
}

/** Every archive object of the route (dead letters and parked records), in offset order per partition. */
export async function readArchivedOrders(
  s3: S3Client,
  bucket: string,
  route: string,
): Promise<ArchivedOrder[]> {
  const orders: ArchivedOrder[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: archivePrefix({ name: route }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const text = (await got.Body?.transformToString('utf8')) ?? '';
      const record = JSON.parse(text) as ArchiveRecord;
      orders.push({
        recordId: record.recordId ?? object.Key,
        outcome: record.outcome,
        reason: record.reason,
        order: orderOf(record),
      });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return orders;
}

function orderOf(record: ArchiveRecord): SampleOrder | undefined {
  if (typeof record.payloadBase64 === 'string')
    return parseSampleOrder(Buffer.from(record.payloadBase64, 'base64'));
  try {
    const value = decodeEnvelope(record.body).value;
    return parseSampleOrder(value !== null && 'inline' in value ? value.inline : null);
  } catch {
    // A malformed message has no envelope; it is reported with no order, not dropped.
    return undefined;
  }
}

import type { S3Client } from '@aws-sdk/client-s3';
import { Archive, type ArchiveRecord, archivedEnvelope } from '../archive/archive.ts';
import { decodeEnvelope } from '../envelope/index.ts';
import { parseSampleOrder, type SampleOrder } from './sample-order.ts';

/** A dead-lettered or parked record of the demo, read back from the archive. */
export interface ArchivedOrder {
  readonly recordId: string;
  readonly outcome: ArchiveRecord['outcome'];
  readonly reason: string;
  /** When it was archived (ms since the epoch). */
  readonly archivedAt: number;
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
  for await (const { key, record } of new Archive(s3, bucket).list(route)) {
    orders.push({
      recordId: record.recordId ?? key,
      outcome: record.outcome,
      reason: record.reason,
      archivedAt: Date.parse(record.archivedAt),
      order: orderOf(record),
    });
  }
  return orders;
}

function orderOf(record: ArchiveRecord): SampleOrder | undefined {
  if (typeof record.payloadBase64 === 'string')
    return parseSampleOrder(Buffer.from(record.payloadBase64, 'base64'));
  try {
    // A record claim check's value is in the archived copy of its record object.
    const resolved = archivedEnvelope(record, decodeEnvelope(record.body));
    const value = 'envelope' in resolved ? resolved.envelope.value : null;
    return parseSampleOrder(value !== null && 'inline' in value ? value.inline : null);
  } catch {
    // A malformed message has no envelope; it is reported with no order, not dropped.
    return undefined;
  }
}

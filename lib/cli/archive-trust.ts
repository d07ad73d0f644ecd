import { Archive } from '../archive/archive.ts';
import { payloadPrefix, type Route } from '../config/index.ts';
import { type Envelope, messageGroupId, recordId } from '../envelope/index.ts';
import type { ArchivedEntry } from './archived.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';

/**
 * Why an archive object must not be replayed, or undefined when it may. The replay sends the
 * object's body to the route's queue (the deliverer then signs and delivers it) and writes
 * claim-check bytes where the object points, so whoever can write to the archive prefix could
 * otherwise inject records into any route or write into any bucket. The object must be the one
 * its key says: the envelope's route, topic, partition and offset give back exactly its archive
 * key, the record id and message group agree, and a claim check points into this bucket under
 * the route's own `payloads/` prefix.
 */
export function archiveMismatch(ctx: CliContext, route: Route, entry: ArchivedEntry): string | undefined {
  const envelope = entry.envelope;
  if (envelope === undefined) return undefined; // malformed: never sent
  if (envelope.route !== route.name) return `its envelope is of route ${JSON.stringify(envelope.route)}`;
  const expectedKey = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
  if (expectedKey !== entry.archiveKey) {
    return `its envelope (topic ${JSON.stringify(envelope.topic)}, partition ${envelope.partition}, offset ${envelope.offset}) belongs at ${expectedKey}`;
  }
  const id = recordId(envelope);
  if (entry.record.recordId !== id)
    return `its record id ${JSON.stringify(entry.record.recordId)} is not ${id}`;
  const group = groupOf(route, entry.resolved ?? envelope);
  if (group !== undefined && entry.groupId !== group) {
    return `its message group ${JSON.stringify(entry.groupId)} is not the record's (${group})`;
  }
  const value = envelope.value;
  if (value === null || 'inline' in value) return undefined;
  const pointer = 's3' in value ? value.s3 : value.record;
  const prefix = payloadPrefix(route);
  if (pointer.bucket !== ctx.bucket || !pointer.key.startsWith(prefix) || pointer.key.includes('..')) {
    return `its claim check s3://${pointer.bucket}/${pointer.key} is outside s3://${ctx.bucket}/${prefix}`;
  }
  return undefined;
}

/** Refuses the replay when any entry fails `archiveMismatch`, before anything is sent. */
export function assertTrusted(ctx: CliContext, route: Route, entries: readonly ArchivedEntry[]): void {
  for (const entry of entries) {
    const problem = archiveMismatch(ctx, route, entry);
    if (problem !== undefined) {
      throw new CliError(
        `refusing to replay archive object s3://${ctx.bucket}/${entry.archiveKey}: ${problem} (a forged or misplaced object; nothing was replayed from it)`,
      );
    }
  }
}

function groupOf(route: Route, envelope: Envelope): string | undefined {
  // A record claim check not resolved has no known key; the group cannot be checked.
  if (envelope.value !== null && 'record' in envelope.value) return undefined;
  return messageGroupId({
    key: envelope.key,
    partition: envelope.partition,
    offset: envelope.offset,
    ordering: route.ordering,
  });
}

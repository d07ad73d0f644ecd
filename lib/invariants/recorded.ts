// What the bridge wrote, read off its own AWS calls (lib/aws/call-recorder.ts, observeCalls):
// each completion (a ledger entry of a batch, or a per-record completion item) and each message
// sent to a route's DLQ, with the time the write was issued. The invariant checker judges I4
// against these times ("finished" means its completion was written, not that the endpoint
// answered) and I1's dead letters against the DLQ sends.
import type { ObservedCall } from '../aws/call-recorder.ts';
import { decodeRecords } from '../completion/entry.ts';
import { recordId } from '../envelope/index.ts';

/** A record's completion, written: when the write that holds it was issued. */
export interface RecordedFinish {
  readonly recordId: string;
  readonly at: number;
  readonly status: string;
}

/** A DynamoDB attribute in either form: plain (document client) or marshalled ({ S } / { N }). */
export function plain(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    const typed = value as { S?: unknown; N?: unknown };
    return typed.S ?? typed.N;
  }
  return value;
}

/** The records a successful PutItem on the completions table finished, for `route`. */
export function finishesOf(call: ObservedCall, route: string): RecordedFinish[] {
  if (call.operation !== 'PutItem') return [];
  const item = (call.input as { Item?: Record<string, unknown> }).Item;
  if (item === undefined) return [];
  const at = call.startedAt;
  if (plain(item.pk) === `${route}#entries` && typeof plain(item.records) === 'string') {
    return decodeRecords(String(plain(item.records))).map((r) => ({
      recordId: recordId({ route, topic: r.topic, partition: r.partition, offset: String(r.offset) }),
      at,
      status: r.status,
    }));
  }
  if (plain(item.route) === route && plain(item.status) !== undefined && plain(item.from) !== undefined) {
    const id = recordId({
      route,
      topic: String(plain(item.topic)),
      partition: Number(plain(item.partition)),
      offset: String(plain(item.offset)),
    });
    return [{ recordId: id, at, status: String(plain(item.status)) }];
  }
  return [];
}

/** The record id of a successful SendMessage to `deadLetterQueueUrl` (its `bridge-record-id`). */
export function deadLetterSendOf(call: ObservedCall, deadLetterQueueUrl: string): string | undefined {
  if (call.operation !== 'SendMessage') return undefined;
  const input = call.input as {
    QueueUrl?: string;
    MessageAttributes?: Record<string, { StringValue?: string }>;
  };
  if (input.QueueUrl !== deadLetterQueueUrl) return undefined;
  return input.MessageAttributes?.['bridge-record-id']?.StringValue;
}

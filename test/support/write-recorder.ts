// The completions and dead letters a run's deliverer and redrive consumer wrote, recorded from
// their own AWS calls (observeCalls, the middleware place of the IAM call recorder): each
// successful ledger entry or completion write with the time it was issued, and each message
// sent to the route's DLQ. The invariant checker judges I4 and I1's dead letters on them
// (lib/invariants/recorded.ts decodes the calls).
import { observeCalls } from '../../lib/aws/call-recorder.ts';
import { deadLetterSendOf, finishesOf, type RecordedFinish } from '../../lib/invariants/recorded.ts';
import type { LocalClients } from '../../lib/local/clients.ts';

export class WriteRecorder {
  /** Every completion written, in the order the writes returned. */
  readonly finishes: RecordedFinish[] = [];
  /** The record ids of the messages sent to the route's DLQ. */
  readonly deadLetterSends: string[] = [];
  readonly #route: string;
  readonly #deadLetterQueueUrl: string;

  constructor(route: string, deadLetterQueueUrl: string) {
    this.#route = route;
    this.#deadLetterQueueUrl = deadLetterQueueUrl;
  }

  /** Observes `clients`' DynamoDB and SQS calls (clients of this run's consumers only). */
  observe(clients: LocalClients): LocalClients {
    observeCalls(clients.dynamo, (call) => this.finishes.push(...finishesOf(call, this.#route)));
    observeCalls(clients.sqs, (call) => {
      const id = deadLetterSendOf(call, this.#deadLetterQueueUrl);
      if (id !== undefined) this.deadLetterSends.push(id);
    });
    return clients;
  }

  /** When the first completion of `recordId` was written; undefined when none was. */
  finishedAt(recordId: string): number | undefined {
    let first: number | undefined;
    for (const finish of this.finishes)
      if (finish.recordId === recordId && (first === undefined || finish.at < first)) first = finish.at;
    return first;
  }
}

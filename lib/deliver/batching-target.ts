import { encodeBatchItem } from './batch-body.ts';
import { DeliveryError } from './errors.ts';
import type { BatchItem } from './http-target.ts';
import type { DeliveryRequest, DeliveryResponse, Target } from './target.ts';

/** What sends one batched call: each record's outcome, in order (HttpTarget.deliverMany). */
export interface BatchCaller {
  deliverMany(items: readonly BatchItem[]): Promise<(DeliveryResponse | DeliveryError)[]>;
}

export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** How long the first record waits for others before its call goes (ms). */
  readonly lingerMs?: number;
}

interface Waiting {
  readonly item: BatchItem;
  readonly resolve: (response: DeliveryResponse) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * `deliver.batch` (docs/deliver.md, Batched calls): the records the deliverer calls at once (the
 * message groups of a batch run concurrently, each group in order, so at most one record of a
 * key waits here at a time) go to the endpoint in one request of up to `maxRecords` records and
 * `maxBytes` of body. Each record's deliver() settles with its own outcome, so retries,
 * dead letters and holding back the rest of a failed record's group work per record as for
 * single calls. A record larger than `maxBytes` goes alone.
 */
export class BatchingTarget implements Target {
  readonly #caller: BatchCaller;
  readonly #limits: Required<BatchLimits>;
  #waiting: Waiting[] = [];
  #bytes = 2;
  #timer: NodeJS.Timeout | undefined;

  constructor(caller: BatchCaller, limits: BatchLimits) {
    this.#caller = caller;
    this.#limits = { lingerMs: 5, ...limits };
  }

  deliver(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { envelope, payload, recordId } = request;
    const json = encodeBatchItem(
      { ...envelope, value: payload === null ? null : { inline: payload } },
      recordId,
    );
    const size = Buffer.byteLength(json) + 1;
    if (this.#waiting.length > 0 && this.#bytes + size > this.#limits.maxBytes) this.#flush();
    return new Promise<DeliveryResponse>((resolve, reject) => {
      this.#waiting.push({ item: { recordId, json }, resolve, reject });
      this.#bytes += size;
      if (this.#waiting.length >= this.#limits.maxRecords) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#limits.lingerMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const call = this.#waiting;
    this.#waiting = [];
    this.#bytes = 2;
    if (call.length === 0) return;
    this.#caller.deliverMany(call.map((waiting) => waiting.item)).then(
      (outcomes) => {
        call.forEach((waiting, index) => {
          const outcome = outcomes[index];
          if (outcome instanceof DeliveryError) waiting.reject(outcome);
          else if (outcome === undefined) waiting.reject(new Error('batched call returned too few outcomes'));
          else waiting.resolve(outcome);
        });
      },
      // A network error or the bridge's own (a secret): the same for every record of the call.
      (error: unknown) => {
        for (const waiting of call) waiting.reject(error);
      },
    );
  }
}

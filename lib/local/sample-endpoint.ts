import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeEnvelope, type Envelope } from '../envelope/index.ts';
import { LocalModeError } from './errors.ts';
import { parseSampleOrder } from './sample-order.ts';

export interface SampleEndpointOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  /** Mean answer time in ms; each answer takes between half and one and a half of it. */
  readonly latencyMs?: number;
  /** Share of requests answered 503 (retryable), at random: exercises retries and backoff. */
  readonly failureRate?: number;
  /**
   * Share of records answered 422 (not retryable) on every attempt, chosen by a hash of the
   * record id so retries of one record get the same answer: exercises dead letters and quarantine.
   */
  readonly poisonRate?: number;
  /**
   * Accept any record, not only the demo's sample orders (`npm start -- --config ...`, where the
   * records are the team's own); such deliveries have empty order fields.
   */
  readonly acceptAny?: boolean;
}

/** The answer to a request; a batched call's has one per record, in `items`. */
interface Answer {
  readonly status: number;
  readonly body: string;
  readonly orderId?: string | undefined;
  readonly items?: readonly Answer[];
}

/** A record the endpoint accepted (answered 2xx). */
export interface SampleDelivery {
  readonly recordId: string;
  readonly orderId: string;
  readonly customer: string;
  readonly seq: number;
  readonly at: number;
}

/** One request for a sample order, accepted or not (order per key is judged on every attempt). */
export interface SampleAttempt {
  readonly orderId: string;
  /** When the request arrived, and when its answer left (after the latency). */
  readonly at: number;
  readonly answeredAt: number;
  readonly accepted: boolean;
}

/**
 * The demo's business endpoint: a small HTTP server that reads the bridge's envelope, answers
 * after a configurable latency, fails a configurable share of requests, and remembers what it
 * accepted so the demo can check that nothing was lost and every key's order held.
 */
export class SampleEndpoint {
  readonly accepted: SampleDelivery[] = [];
  /** Every request that carried a sample order, in arrival order. */
  readonly attempts: SampleAttempt[] = [];
  requests = 0;
  failures = 0;
  readonly #o: Required<SampleEndpointOptions>;
  readonly #server: Server;
  #port = 0;

  private constructor(options: SampleEndpointOptions) {
    this.#o = { port: 0, latencyMs: 5, failureRate: 0, poisonRate: 0, acceptAny: false, ...options };
    for (const [name, rate] of [
      ['failureRate', this.#o.failureRate],
      ['poisonRate', this.#o.poisonRate],
    ] as const) {
      if (!(rate >= 0 && rate < 1))
        throw new RangeError(`sample endpoint: ${name} must be in [0, 1), got ${rate}`);
    }
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const at = Date.now();
        const answer = this.#answer(String(request.headers['idempotency-key'] ?? ''), Buffer.concat(chunks));
        const latency = this.#o.latencyMs * (0.5 + Math.random());
        setTimeout(() => {
          // Logged as the answer leaves (the clock of the next request's arrival, to the ms).
          for (const { orderId, status } of answer.items ?? [answer]) {
            if (orderId === undefined) continue;
            const accepted = status === 200 && !response.destroyed;
            this.attempts.push({ orderId, at, answeredAt: Date.now(), accepted });
          }
          if (response.destroyed) return;
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
        }, latency);
      });
    });
  }

  static async start(options: SampleEndpointOptions = {}): Promise<SampleEndpoint> {
    const endpoint = new SampleEndpoint(options);
    await endpoint.#listen();
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/orders`;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  /** Whether a record is one the endpoint always refuses. */
  isPoison(recordId: string): boolean {
    if (this.#o.poisonRate === 0) return false;
    const hash = createHash('sha256').update(recordId).digest().readUInt32BE(0);
    return hash / 0x1_0000_0000 < this.#o.poisonRate;
  }

  #answer(recordId: string, body: Buffer): Answer {
    this.requests += 1;
    const text = body.toString('utf8');
    if (text.startsWith('[')) return this.#batch(text);
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(text);
    } catch (error) {
      this.failures += 1;
      return {
        status: 400,
        body: JSON.stringify({ error: `not a bridge envelope: ${(error as Error).message}` }),
      };
    }
    return this.#record(recordId, envelope);
  }

  /**
   * A batched call (docs/deliver.md, Batched calls): each record answered as alone; the failed
   * ones listed in `batchItemFailures`, a 503 as retryable (no status), others with theirs.
   */
  #batch(text: string): Answer {
    const failures: { itemIdentifier: string; status?: number }[] = [];
    const answers: Answer[] = [];
    let items: unknown[];
    try {
      items = JSON.parse(text) as unknown[];
      for (const item of items) {
        const { idempotencyKey, ...envelope } = item as { idempotencyKey: string };
        const answer = this.#record(idempotencyKey, decodeEnvelope(JSON.stringify(envelope)));
        answers.push(answer);
        if (answer.status === 503) failures.push({ itemIdentifier: idempotencyKey });
        else if (answer.status >= 300)
          failures.push({ itemIdentifier: idempotencyKey, status: answer.status });
      }
    } catch (error) {
      this.failures += 1;
      return {
        status: 400,
        body: JSON.stringify({ error: `not a batch of envelopes: ${(error as Error).message}` }),
      };
    }
    return { status: 200, body: JSON.stringify({ batchItemFailures: failures }), items: answers };
  }

  #record(recordId: string, envelope: Envelope): Answer {
    const order = parseSampleOrder(
      envelope.value !== null && 'inline' in envelope.value ? envelope.value.inline : null,
    );
    if (order === undefined && !this.#o.acceptAny) {
      this.failures += 1;
      return {
        status: 422,
        body: JSON.stringify({
          error:
            'the value is not a sample order (the demo endpoint; npm start -- --config ... accepts any record)',
        }),
      };
    }
    if (this.isPoison(recordId)) {
      this.failures += 1;
      return {
        status: 422,
        body: JSON.stringify({
          error: `record ${order?.orderId ?? recordId} is invalid (sample poison record)`,
        }),
        orderId: order?.orderId,
      };
    }
    if (Math.random() < this.#o.failureRate) {
      this.failures += 1;
      return {
        status: 503,
        body: JSON.stringify({ error: 'sample endpoint is busy (random failure)' }),
        orderId: order?.orderId,
      };
    }
    this.accepted.push({
      recordId,
      orderId: order?.orderId ?? '',
      customer: order?.customer ?? '',
      seq: order?.seq ?? 0,
      at: Date.now(),
    });
    return {
      status: 200,
      body: JSON.stringify({ accepted: order?.orderId ?? recordId }),
      orderId: order?.orderId,
    };
  }

  async #listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new LocalModeError(
                `port ${this.#o.port} for the sample endpoint is taken by another program`,
                'stop that program, or pass --endpoint-port <free port> (0 picks one)',
                { cause: error },
              )
            : error,
        );
      });
      this.#server.listen(this.#o.port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }
}

// The benchmarks' business endpoint, in its own process (test/support/endpoint.ts's TestEndpoint):
// it holds every request for a fixed latency, answers 500 for one failing key if asked, and
// reports the first arrival of each record to its parent. Its own process so that the bridge's
// CPU work (same machine, two cores) delays the answers only as much as a remote endpoint's
// would be: an endpoint on the bridge's event loop would hold requests longer than its latency
// whenever the bridge is busy.
//   parent -> child: { type: 'count' } | { type: 'collect' } | { type: 'reset' } | { type: 'stop' }
//   child -> parent: { type: 'ready', url } | { type: 'count', succeeded } | { type: 'arrivals', arrivals, requests }
import { decodeEnvelope } from '../../lib/envelope/index.ts';
import { TestEndpoint } from '../../test/support/endpoint.ts';

export interface Arrival {
  readonly recordId: string;
  readonly key: string | null;
  /** ms since the epoch: when the request's body was complete at the endpoint (first attempt that succeeded or last seen). */
  readonly at: number;
  /** The Kafka record timestamp (produce time), ms since the epoch. */
  readonly producedAt: number;
  /** Requests for this record in all (retries and duplicates included). */
  readonly requests: number;
  /** Whether some request for it was answered with success. */
  readonly succeeded: boolean;
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'count'; readonly succeeded: number }
  | { readonly type: 'arrivals'; readonly arrivals: Arrival[]; readonly requests: number };
export type ParentMessage = { readonly type: 'count' | 'collect' | 'reset' | 'stop' };

const latencyMs = Number(process.argv[2]);
const failingKey = process.argv[3] ?? '';
if (!(latencyMs >= 0)) throw new Error(`endpoint-process: latency ms must be >= 0, got ${process.argv[2]}`);

interface Seen {
  key: string | null;
  at: number;
  producedAt: number;
  requests: number;
  succeeded: boolean;
}
let seen = new Map<string, Seen>();
let requests = 0;
let succeeded = 0;

const endpoint = await TestEndpoint.start((request) => {
  requests += 1;
  const fails = failingKey !== '' && request.key === failingKey;
  const known = seen.get(request.recordId);
  if (known === undefined) {
    const producedAt = Number(decodeEnvelope(request.body.toString('utf8')).timestamp);
    seen.set(request.recordId, {
      key: request.key,
      at: request.at,
      producedAt,
      requests: 1,
      succeeded: !fails,
    });
    if (!fails) succeeded += 1;
  } else {
    known.requests += 1;
    // The arrival that counts is the first successful one.
    if (!known.succeeded && !fails) {
      known.at = request.at;
      known.succeeded = true;
      succeeded += 1;
    }
  }
  // TestEndpoint keeps every request with its body; the benchmark needs only the summary above.
  endpoint.received.length = 0;
  return fails
    ? { status: 500, body: 'failing key', delayMs: latencyMs }
    : { status: 200, body: 'ok', delayMs: latencyMs };
});

const send = (message: ChildMessage) => process.send?.(message);
process.on('message', (message: ParentMessage) => {
  if (message.type === 'count') {
    send({ type: 'count', succeeded });
  } else if (message.type === 'collect') {
    send({
      type: 'arrivals',
      arrivals: [...seen].map(([recordId, s]) => ({ recordId, ...s })),
      requests,
    });
  } else if (message.type === 'reset') {
    seen = new Map();
    requests = 0;
    succeeded = 0;
  } else {
    void endpoint.stop().then(() => process.exit(0));
  }
});
send({ type: 'ready', url: endpoint.url });

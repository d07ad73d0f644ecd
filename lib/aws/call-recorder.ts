import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CallTarget, callTarget } from './call-resources.ts';

/**
 * Records every AWS call a component makes, for the check that each deployed role grants what
 * its component calls and nothing more (test/integration/iam-recorded-calls.test.ts,
 * docs/deploy.md "IAM: checked from recorded calls").
 *
 * Off unless `BRIDGE_RECORD_CALLS` names a file (JSON lines are appended) or an existing
 * directory (one file per process, `calls-<pid>.jsonl`). The component is who makes the call,
 * as a deployed role sees it: the one the client was built for, or the one whose work is
 * running (asComponent), when one client serves several components (local mode).
 */

/** The bridge's parts that get a role of their own when deployed, and the operator CLI. */
export type Component = 'poller' | 'deliverer' | 'dlq' | 'commit' | 'notifier' | 'cli';

export interface Caller {
  readonly component: Component;
  /** The route whose function makes the call (deliverer, DLQ consumer: one role per route). */
  readonly route?: string;
}

export interface RecordedCall extends Caller, CallTarget {}

export type CallSink = (call: RecordedCall) => void;

/** The environment variable that turns recording on. */
export const RECORD_CALLS_ENV = 'BRIDGE_RECORD_CALLS';

const running = new AsyncLocalStorage<Caller>();
/**
 * Clients that record already (a client shared by several components records each call once),
 * with how: a path that calls the service without the client's middleware (the poller's lean
 * SendMessageBatch) records through the same function (callRecorderOf).
 */
const recorders = new WeakMap<object, CallRecord>();

/** Records one call of `operation` on the service of `clientName` (an SDK client's class name). */
export type CallRecord = (clientName: string, operation: string, input: Record<string, unknown>) => void;

/** How calls made for `client` outside its middleware are recorded; undefined when it does not record. */
export function callRecorderOf(client: object): CallRecord | undefined {
  return recorders.get(client);
}

/** Runs `work` as `caller`: calls made from it (and from what it starts) are recorded as the caller's. */
export function asComponent<T>(caller: Caller, work: () => T): T {
  return running.run(caller, work);
}

/** The sink `BRIDGE_RECORD_CALLS` asks for, or undefined when recording is off. */
export function sinkFromEnv(env: NodeJS.ProcessEnv = process.env): CallSink | undefined {
  const target = env[RECORD_CALLS_ENV];
  if (target === undefined || target === '') return undefined;
  let file = target;
  try {
    if (statSync(target).isDirectory()) file = join(target, `calls-${process.pid}.jsonl`);
  } catch {
    mkdirSync(join(target, '..'), { recursive: true });
  }
  // Synchronous and line-sized: a process that exits right after the call still leaves it.
  return (call) => appendFileSync(file, `${JSON.stringify(call)}\n`);
}

interface Stack {
  add(
    middleware: (
      next: (args: { input: unknown }) => Promise<unknown>,
      context: Record<string, unknown>,
    ) => (args: { input: unknown }) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'low' },
  ): void;
}

/**
 * Adds the recorder to `client` (any AWS SDK v3 client) when recording is on; returns the client.
 * `caller` is the component the client was built for; asComponent overrides it for shared
 * clients, and a client without either (local mode's shared clients) records only inside asComponent.
 */
export function recordCalls<C extends { middlewareStack: unknown }>(
  client: C,
  caller: Caller | undefined,
  sink: CallSink | undefined = sinkFromEnv(),
): C {
  if (sink === undefined || recorders.has(client)) return client;
  const record: CallRecord = (clientName, operation, input) => {
    const who = running.getStore() ?? caller;
    // Calls outside every component (local provisioning, a test's own setup) are not the bridge's.
    if (who === undefined) return;
    sink({ component: who.component, ...routeOf(who), ...callTarget(clientName, operation, input) });
  };
  recorders.set(client, record);
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const { clientName, operation, input } = described(context, args);
      record(clientName, operation, input);
      return next(args);
    },
    // Low priority in the first step: after the document client has marshalled its input.
    { step: 'initialize', name: 'bridgeRecordCalls', priority: 'low' },
  );
  return client;
}

/** One call that returned successfully, as observeCalls reports it. */
export interface ObservedCall {
  /** The SDK client's name (`DynamoDBClient`, `SQSClient`, ...). */
  readonly clientName: string;
  readonly operation: string;
  /** The input as sent (marshalled: DynamoDB attributes as `{ S }`, `{ N }`). */
  readonly input: Record<string, unknown>;
  /** ms since the epoch when the call was issued, and when its answer came back. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Reports every call of `client` that succeeded, with its input and when it was issued, from
 * the same place in the middleware stack as the recorder (the invariant checker's record of
 * when each completion was written, test/support/finish-recorder.ts). A call that fails (an
 * injected crash before it, a conditional write that lost) is not reported: nothing was written.
 */
export function observeCalls<C extends { middlewareStack: unknown }>(
  client: C,
  observer: (call: ObservedCall) => void,
): C {
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const startedAt = Date.now();
      const output = await next(args);
      observer({ ...described(context, args), startedAt, endedAt: Date.now() });
      return output;
    },
    { step: 'initialize', name: 'bridgeObserveCalls', priority: 'low' },
  );
  return client;
}

function described(
  context: Record<string, unknown>,
  args: { input: unknown },
): { clientName: string; operation: string; input: Record<string, unknown> } {
  const smithy = context.__smithy_context as { operation?: string } | undefined;
  const operation = smithy?.operation ?? String(context.commandName ?? '').replace(/Command$/, '');
  return {
    clientName: String(context.clientName ?? ''),
    operation,
    input: (args.input ?? {}) as Record<string, unknown>,
  };
}

function routeOf(caller: Caller): { route?: string } {
  return caller.route === undefined ? {} : { route: caller.route };
}

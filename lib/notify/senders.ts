import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ResourceAccess } from '../aws/access.ts';
import { ENV } from '../runtime/contract.ts';

/**
 * Who may announce a route's dead letters. Every route function may send to the shared
 * dead-letter-events queue, and the notifier picks the team webhook by the event's `route`: a
 * compromised or buggy function of route A could post to route B's channel. SQS stamps each
 * message with its sender (`SenderId`; for a Lambda function's role,
 * `<role unique id>:<function name>`), which the sender cannot choose. Each route's stack writes
 * the role ids of its deliverer and DLQ consumer to an SSM parameter
 * (`<BRIDGE_EVENT_SENDERS_PATH>/<route>`, a JSON list); the notifier reads the event's route's
 * parameter on demand (cached), and an event whose sender is not one of its route's roles, or
 * whose route has no readable parameter, is dropped (logged and counted as invalid).
 *
 * A parameter per route rather than one environment variable: two role ids per route pass
 * Lambda's 4 KB of environment at about 40 routes.
 *
 * Only AWS stamps principals: ElasticMQ puts the client's IP address there, so local mode runs
 * without the path (no check) and the check is tested with SenderIds as AWS writes them.
 */
export interface EventSenders {
  /** The role ids that may announce `route`'s dead letters, or why they are unknown. */
  readonly senders: (route: string) => Promise<readonly string[] | { readonly problem: string }>;
}

export const EVENT_SENDERS_PATH_ENV = ENV.eventSendersPath;

/** What reading a route's senders calls: GetParameter on `<path>/*`. */
export const EVENT_SENDERS_ACCESS: ResourceAccess = { actions: ['ssm:GetParameter'] };

/** The parameter path of a deployment: `/<deployed stack name>/event-senders`. */
export function eventSendersPath(stackName: string): string {
  return `/${stackName}/event-senders`;
}

/** The parameter holding `route`'s senders under `path` (no trailing slash). */
export function eventSendersParameter(path: string, route: string): string {
  return `${path}/${route}`;
}

/** The route list in a parameter's value, or why it is not one. */
function parseSenders(name: string, text: string | undefined): readonly string[] | { problem: string } {
  try {
    const ids: unknown = JSON.parse(text ?? '');
    if (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== '')) {
      return ids as string[];
    }
  } catch {
    // Reported below.
  }
  return { problem: `parameter ${name} is not a JSON list of role ids` };
}

/**
 * Senders read from SSM, one GetParameter per route per `ttlMs` (a cold container reads each
 * route it sees once). A failed read is not cached, so the next event tries again.
 */
export class ParameterEventSenders implements EventSenders {
  readonly #client: Pick<SSMClient, 'send'>;
  readonly #path: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { value: readonly string[]; expiresAt: number }>();

  constructor(
    client: Pick<SSMClient, 'send'>,
    path: string,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.#client = client;
    this.#path = path.replace(/\/+$/, '');
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  async senders(route: string): Promise<readonly string[] | { readonly problem: string }> {
    const now = this.#now();
    const cached = this.#cache.get(route);
    if (cached && cached.expiresAt > now) return cached.value;
    const name = eventSendersParameter(this.#path, route);
    let text: string | undefined;
    try {
      const out = await this.#client.send(new GetParameterCommand({ Name: name }));
      text = out.Parameter?.Value;
    } catch (error) {
      return {
        problem: `no senders for route ${route}: parameter ${name} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const value = parseSenders(name, text);
    if ('problem' in value) return value;
    this.#cache.set(route, { value, expiresAt: now + this.#ttlMs });
    return value;
  }
}

/** Senders from the environment's parameter path; undefined (no check, local mode) when unset. */
export function eventSendersFromEnv(
  client: () => Pick<SSMClient, 'send'>,
  env: NodeJS.ProcessEnv = process.env,
): EventSenders | undefined {
  const path = env[EVENT_SENDERS_PATH_ENV];
  if (path === undefined || path === '') return undefined;
  if (!/^\/[A-Za-z0-9_.\-/]+$/.test(path)) {
    throw new Error(`${EVENT_SENDERS_PATH_ENV} must be an SSM parameter path starting with /: ${path}`);
  }
  return new ParameterEventSenders(client(), path);
}

/** Why `senderId` may not announce dead letters of `route`, or undefined when it may. */
export async function senderProblem(
  route: string,
  senderId: string | undefined,
  senders: EventSenders | undefined,
): Promise<string | undefined> {
  if (senders === undefined) return undefined;
  const allowed = await senders.senders(route);
  if ('problem' in allowed) return `dead-letter event for route ${route}: ${allowed.problem}`;
  const principal = senderId?.split(':')[0];
  if (principal !== undefined && allowed.includes(principal)) return undefined;
  return `dead-letter event for route ${route} sent by ${principal ?? 'an unknown sender'}, not by one of the route's functions`;
}

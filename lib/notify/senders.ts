import { ENV } from '../runtime/contract.ts';

/**
 * Who may announce a route's dead letters. Every route function may send to the shared
 * dead-letter-events queue, and the notifier picks the team webhook by the event's `route`: a
 * compromised or buggy function of route A could post to route B's channel. SQS stamps each
 * message with its sender (`SenderId`; for a Lambda function's role,
 * `<role unique id>:<function name>`), which the sender cannot choose. The stack gives the
 * notifier the role ids of each route's deliverer and DLQ consumer (`BRIDGE_EVENT_SENDERS`,
 * `{"<route>": ["AROA...", ...]}`), and an event whose sender is not one of its route's roles is
 * dropped (logged and counted as invalid).
 *
 * Only AWS stamps principals: ElasticMQ puts the client's IP address there, so local mode runs
 * without the map (no check) and the check is tested with SenderIds as AWS writes them.
 */
export type EventSenders = ReadonlyMap<string, readonly string[]>;

export const EVENT_SENDERS_ENV = ENV.eventSenders;

/** The map from the environment; undefined (no check) when unset. */
export function eventSendersFromEnv(env: NodeJS.ProcessEnv = process.env): EventSenders | undefined {
  const text = env[EVENT_SENDERS_ENV];
  if (text === undefined || text === '') return undefined;
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${EVENT_SENDERS_ENV} must be a JSON object of route names to role id lists`);
  }
  const senders = new Map<string, string[]>();
  for (const [route, ids] of Object.entries(parsed)) {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '')) {
      throw new Error(`${EVENT_SENDERS_ENV}: route ${route} must map to a list of role ids`);
    }
    senders.set(route, ids as string[]);
  }
  return senders;
}

/** Why `senderId` may not announce dead letters of `route`, or undefined when it may. */
export function senderProblem(
  route: string,
  senderId: string | undefined,
  senders: EventSenders | undefined,
): string | undefined {
  if (senders === undefined) return undefined;
  const principal = senderId?.split(':')[0];
  const allowed = senders.get(route) ?? [];
  if (principal !== undefined && allowed.includes(principal)) return undefined;
  return `dead-letter event for route ${route} sent by ${principal ?? 'an unknown sender'}, not by one of the route's functions`;
}

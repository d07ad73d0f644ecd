import type { RouteDataAccess } from '../aws/access.ts';
import { FORWARD_ACCESS } from './batch-sender.ts';
import { CLAIM_CHECK_ACCESS } from './claim-check.ts';
import { QUEUE_LOOKUP_ACCESS } from './queue-url.ts';

/** What the poller calls on each route's queue: the lookup at start, then the forwarding. */
export const POLLER_QUEUE_ACCESS = [...QUEUE_LOOKUP_ACCESS.actions, ...FORWARD_ACCESS.actions] as const;

/** What the poller calls on the bucket for each route: claim checks only; never the table. */
export const POLLER_DATA_ACCESS: RouteDataAccess = { table: [], bucket: [CLAIM_CHECK_ACCESS] };

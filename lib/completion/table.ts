import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The completions table: partition key `pk` (`<kind>#<route>[#...]`, see routeItemKey), sort key
 * `sk` (the record's `from`, zero-padded), TTL on `expiresAt`, a stream of new images for the
 * commit function. The CDK stack declares the same shape; local mode and tests create it with this.
 */
export const COMPLETION_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

export function completionTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: COMPLETION_TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: COMPLETION_TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: COMPLETION_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: COMPLETION_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  };
}

/**
 * Every kind of item the table holds. Each kind's partition key is `<kind>#<route>` or
 * `<kind>#<route>#<more>`: the kind tag first, the route second. Route names, topics and the
 * other parts contain no '#' (nor an IAM wildcard), so no route's keys, and no IAM
 * `dynamodb:LeadingKeys` pattern built from them, can reach another route's items or another
 * kind's, whatever the route is called: a route named `lease` writes `completion#lease#...` and
 * `entries#lease`, never `lease#orders` (the orders route's commit state). Each store's module
 * keeps its own format on top of this (lib/completion/entry.ts, lib/commit/lease.ts, ...).
 */
export const TABLE_ITEM_KINDS = [
  'completion',
  'entries',
  'lease',
  'quarantine',
  'breaker',
  'attempts',
  'replay',
] as const;

export type TableItemKind = (typeof TABLE_ITEM_KINDS)[number];

const KEY_PART = /^[^#*?]+$/;

/** The partition key of a route's item of this kind; a part holding '#', '*' or '?' is refused. */
export function routeItemKey(
  kind: TableItemKind,
  route: string,
  ...more: readonly (string | number)[]
): string {
  for (const part of [route, ...more.map(String)]) {
    if (!KEY_PART.test(part)) {
      throw new RangeError(
        `a ${kind} key part must be non-empty without '#', '*' or '?', got ${JSON.stringify(part)}`,
      );
    }
  }
  return [kind, route, ...more].join('#');
}

/** Every partition key of a route's items of this kind that have more parts, as a LeadingKeys pattern. */
export function routeItemPattern(kind: TableItemKind, route: string): string {
  return `${routeItemKey(kind, route)}#*`;
}

/** The kind, route and further parts of a partition key; undefined for a key of no known kind. */
export function parseRouteItemKey(
  key: string,
): { kind: TableItemKind; route: string; more: string[] } | undefined {
  const [kind, route, ...more] = key.split('#');
  if (!(TABLE_ITEM_KINDS as readonly string[]).includes(kind ?? '')) return undefined;
  if (route === undefined || !KEY_PART.test(route) || more.some((part) => !KEY_PART.test(part)))
    return undefined;
  return { kind: kind as TableItemKind, route, more };
}

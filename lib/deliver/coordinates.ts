import { isKafkaTopic, isOffset, isPartition } from '../envelope/index.ts';

/** Where a record sits, as far as a message that failed to decode still says it. */
export interface Coordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly from: string;
}

/**
 * The coordinates of a malformed message when its body is a JSON object whose `route` is this
 * route and whose topic, partition, offset and from are valid (only another field is wrong, say
 * the value). Its completion can then still be written, so the partition's commit is not stuck
 * behind a record that will never decode; otherwise undefined (an operator has to move the
 * progress group past it).
 */
export function coordinatesOf(body: string, route: string): Coordinates | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Not JSON: nothing to recover; the caller already has the decoder's reason.
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const fields = json as Record<string, unknown>;
  const { topic, partition, offset, from } = fields;
  if (fields.route !== route) return undefined;
  if (typeof topic !== 'string' || !isKafkaTopic(topic)) return undefined;
  if (typeof partition !== 'number' || !isPartition(partition)) return undefined;
  if (typeof offset !== 'string' || !isOffset(offset)) return undefined;
  if (typeof from !== 'string' || !isOffset(from) || BigInt(from) > BigInt(offset)) return undefined;
  return { topic, partition, offset, from };
}

/** The sample order events of the demo: what the producer writes and the endpoint reads back. */
export interface SampleOrder {
  /** Unique per demo run: `<run>-<n>`. */
  readonly orderId: string;
  /** The Kafka record key. */
  readonly customer: string;
  /** Per customer, 1, 2, 3...: the order the endpoint must see them in. */
  readonly seq: number;
  readonly amountCents: number;
  readonly createdAt: string;
}

/** Parses a sample order from record value bytes; undefined when it is not one. */
export function parseSampleOrder(value: Buffer | null | undefined): SampleOrder | undefined {
  if (value === null || value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    // Not JSON: not a sample order (the caller counts it as foreign).
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const order = parsed as Partial<Record<keyof SampleOrder, unknown>>;
  if (
    typeof order.orderId !== 'string' ||
    typeof order.customer !== 'string' ||
    typeof order.seq !== 'number'
  ) {
    return undefined;
  }
  return {
    orderId: order.orderId,
    customer: order.customer,
    seq: order.seq,
    amountCents: typeof order.amountCents === 'number' ? order.amountCents : 0,
    createdAt: typeof order.createdAt === 'string' ? order.createdAt : '',
  };
}

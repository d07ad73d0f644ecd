import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The completions table: partition key `pk` (route#topic#partition, or lease#route), sort key
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

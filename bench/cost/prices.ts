// AWS list prices, us-east-1, on-demand, first volume tier, as published in 2026. aws.amazon.com
// could not be reached from the machine that wrote this; each price was read from the public pages
// named in `source` (which quote the AWS pricing pages) and they agree with each other.

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

export const PRICES_AS_OF = '2026-11-23 (pages dated 2026-03 to 2026-06)';

export const PRICES = {
  sqsFifoRequest: {
    usd: 0.5 / 1e6,
    per: 'FIFO request (each started 64 KiB of payload is one request)',
    source:
      'https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/ (2026-06-13); https://cloudburn.io/blog/amazon-sqs-pricing (2026-03-14)',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: 'invocation',
    source:
      'https://cloudchipr.com/blog/aws-lambda-pricing; lambda_local_runner docs lambda-13-cost.md (2026-05-11)',
  },
  lambdaGbSecondArm64: {
    usd: 0.0000133334,
    per: 'GB-second, arm64 (first 7.5 billion GB-s a month)',
    source:
      'https://cloudchipr.com/blog/aws-lambda-pricing; lambda_local_runner docs lambda-13-cost.md (2026-05-11)',
  },
  lambdaGbSecondX86: {
    usd: 0.0000166667,
    per: 'GB-second, x86_64 (first 6 billion GB-s a month)',
    source:
      'https://cloudchipr.com/blog/aws-lambda-pricing; lambda_local_runner docs lambda-13-cost.md (2026-05-11)',
  },
  dynamoWru: {
    usd: 0.625 / 1e6,
    per: 'write request unit, on-demand (after the November 2024 price cut)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)',
  },
  dynamoRru: {
    usd: 0.125 / 1e6,
    per: 'read request unit, on-demand (after the November 2024 price cut)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)',
  },
  dynamoStorageGbMonth: {
    usd: 0.25,
    per: 'GB-month of DynamoDB Standard table storage (items plus 100 bytes each); TTL deletes are free',
    source: 'https://aws.amazon.com/dynamodb/pricing/ (stored copy)',
  },
  s3Tier1: {
    usd: 0.005 / 1000,
    per: 'S3 Standard PUT, COPY, POST, LIST request',
    source: 'https://c3x.dev/blog/s3-request-fees-explained',
  },
  s3Tier2: {
    usd: 0.0004 / 1000,
    per: 'S3 Standard GET, HEAD request',
    source: 'https://c3x.dev/blog/s3-request-fees-explained',
  },
  fargateVcpuHourX86: {
    usd: 0.04048,
    per: 'Fargate Linux/x86 vCPU-hour',
    source:
      'https://www.vantage.sh/blog/fargate-pricing; https://www.wring.co/blog/aws-fargate-pricing-guide (2026-03-10)',
  },
  fargateGbHourX86: {
    usd: 0.004445,
    per: 'Fargate Linux/x86 GB-hour',
    source:
      'https://www.vantage.sh/blog/fargate-pricing; https://www.wring.co/blog/aws-fargate-pricing-guide (2026-03-10)',
  },
  fargateVcpuHourArm: {
    usd: 0.03238,
    per: 'Fargate Linux/ARM vCPU-hour',
    source: 'https://www.vantage.sh/blog/fargate-pricing',
  },
  fargateGbHourArm: {
    usd: 0.00356,
    per: 'Fargate Linux/ARM GB-hour',
    source: 'https://www.vantage.sh/blog/fargate-pricing',
  },
} as const satisfies Record<string, Price>;

/**
 * In-region latency assumed per AWS call when modelling Lambda durations (ms). Locally the calls
 * go to emulators on a shared 2-core machine and take far longer; the modelled duration replaces
 * their measured time with these. DynamoDB answers key reads and writes in single-digit ms; SQS
 * and S3 calls are slower.
 */
export const ASSUMED_CALL_MS = { dynamodb: 5, sqs: 10, s3: 20 } as const;

/**
 * SQS's error answers in its JSON protocol, read the way the AWS SDK reads them, for the lean
 * SendMessageBatch (lean-sqs.ts). An error answer is an HTTP 4xx/5xx whose body is
 * `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}`, with the older query
 * API's code in the `x-amzn-query-error` header (`AWS.SimpleQueueService.NonExistentQueue;Sender`).
 * The error is named by the short `__type` (QueueDoesNotExist, BatchRequestTooLong,
 * ThrottlingException, ...), as the SDK names its exceptions, and marked like the SDK's:
 * `$retryable` for throttling, transient errors and expired credentials, `$fault: 'server'`
 * for 5xx, so BatchSender and isRetryableAwsError treat both paths alike.
 */

/** Codes the SDK's retry strategy treats as throttling (plus HTTP 429). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'EC2ThrottledException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'KmsThrottled',
  'KMS.ThrottlingException',
]);

/** Codes of transient failures worth an immediate retry (besides every 5xx). */
const TRANSIENT = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
]);

/** Codes that say the signing credentials expired: fetch fresh ones from the provider chain and retry. */
const EXPIRED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'RequestExpired',
]);

/** Codes that may mean the local clock is off: correct it from the answer's Date and retry. */
const CLOCK_SKEW = new Set([
  'RequestTimeTooSkewed',
  'RequestExpired',
  'RequestInTheFuture',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);

export class SqsRequestError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $retryable?: { readonly throttling: boolean };
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string };
  /** The query API's code (`AWS.SimpleQueueService.NonExistentQueue`), when SQS sent one. */
  readonly queryErrorCode: string | undefined;
  readonly credentialsExpired: boolean;
  readonly clockSkew: boolean;
  /** The answer's Date header, ms since the epoch (to correct a skewed clock). */
  readonly serverDate: number | undefined;

  constructor(
    name: string,
    message: string,
    details: {
      status: number;
      requestId?: string | undefined;
      queryErrorCode?: string | undefined;
      fault?: string | undefined;
      serverDate?: number | undefined;
    },
  ) {
    super(message);
    this.name = name;
    const { status, requestId, queryErrorCode } = details;
    this.queryErrorCode = queryErrorCode;
    this.serverDate = details.serverDate;
    this.$metadata = { httpStatusCode: status, ...(requestId === undefined ? {} : { requestId }) };
    const server = status >= 500 || details.fault === 'Receiver';
    this.$fault = server ? 'server' : 'client';
    this.credentialsExpired = EXPIRED_CREDENTIALS.has(name);
    this.clockSkew = CLOCK_SKEW.has(name);
    const throttling =
      status === 429 ||
      THROTTLING.has(name) ||
      (queryErrorCode !== undefined && THROTTLING.has(queryErrorCode));
    if (throttling) this.$retryable = { throttling: true };
    else if (server || TRANSIENT.has(name) || this.credentialsExpired)
      this.$retryable = { throttling: false };
  }
}

/** The error of a non-2xx answer: `headers` lower-cased as node:http gives them. */
export function sqsError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): SqsRequestError {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    const json = JSON.parse(body) as unknown;
    if (typeof json === 'object' && json !== null) parsed = json;
  } catch {
    // Not JSON (a proxy's or load balancer's page): named by the status below.
  }
  const type = typeof parsed.__type === 'string' ? parsed.__type : header('x-amzn-errortype');
  const name = type?.split('#').at(-1)?.split(':')[0] || `Http${status}`;
  const text =
    typeof parsed.message === 'string'
      ? parsed.message
      : typeof parsed.Message === 'string'
        ? parsed.Message
        : body.slice(0, 200);
  const [queryErrorCode, fault] = (header('x-amzn-query-error') ?? '').split(';');
  const date = header('date');
  return new SqsRequestError(name, `${text || 'no message'} (${queryErrorCode || name}, HTTP ${status})`, {
    status,
    requestId: header('x-amzn-requestid'),
    queryErrorCode: queryErrorCode || undefined,
    fault,
    serverDate: date === undefined || Number.isNaN(Date.parse(date)) ? undefined : Date.parse(date),
  });
}

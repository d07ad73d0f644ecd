import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { PostSigner, type SigningCredentials } from '../../../lib/poller/sigv4.ts';

/** node:crypto in the shape the SDK's signer takes. */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | Uint8Array) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

const HEADERS = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'AmazonSQS.SendMessageBatch',
  'x-amzn-query-mode': 'true',
};

/** The headers the SDK's own signer (@smithy/signature-v4) gives the same POST. */
async function sdkSigned(
  credentials: SigningCredentials,
  region: string,
  host: string,
  body: Buffer,
  at: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 'sqs',
    region,
    credentials: credentials as never,
    sha256: Sha256 as never,
  });
  const [hostname, port] = host.split(':');
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: hostname as string,
      ...(port === undefined ? {} : { port: Number(port) }),
      path: '/',
      query: {},
      headers: { ...HEADERS, host },
      body,
    },
    { signingDate: at },
  );
  return signed.headers;
}

describe('PostSigner', () => {
  test('signs like the SDK signer, header for header, across credentials, regions, hosts, bodies and days', async () => {
    // Two credential sets (rotated, one with a session token) and signing days that change
    // while the credentials stay: the cached signing key must follow both.
    const pool: SigningCredentials[] = [
      { accessKeyId: 'AKIAEXAMPLEONE', secretAccessKey: randomBytes(30).toString('base64') },
      {
        accessKeyId: 'ASIAEXAMPLETWO',
        secretAccessKey: 'fixed/secret+key',
        sessionToken: randomBytes(60).toString('base64'),
      },
    ];
    const signer = new Map<string, PostSigner>();
    for (let i = 0; i < 40; i++) {
      // Prepare
      const region = ['us-east-1', 'eu-west-1'][Math.floor(i / 20)] as string;
      // Consecutive requests change the credentials on the same day, or the day with the same credentials.
      const credentials = pool[Math.floor(i / 2) % 2] as SigningCredentials;
      const host = i % 4 === 0 ? '127.0.0.1:9324' : `sqs.${region}.amazonaws.com`;
      const body = Buffer.from(
        JSON.stringify({ QueueUrl: `https://${host}/1/q.fifo`, n: randomBytes(i * 50).toString('hex') }),
      );
      const at = new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 3), i % 24, i, i));
      const ours = signer.get(region) ?? new PostSigner(region, 'sqs');
      signer.set(region, ours);

      // Act
      const expected = await sdkSigned(credentials, region, host, body, at);
      const actual = ours.sign({ host, headers: HEADERS, body }, credentials, at);

      // Assess
      assert.deepEqual(actual, expected, `request ${i}`);
    }
  });
});

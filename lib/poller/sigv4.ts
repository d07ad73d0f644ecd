/**
 * AWS Signature Version 4 for the lean SendMessageBatch: a POST to an endpoint's root path with
 * a fixed set of headers, signed with a signing key derived once per day, region and secret and
 * then cached. The SDK's signer (@smithy/signature-v4) caches the key too but builds and
 * normalises a request object, escapes paths and hashes asynchronously on every call: about
 * 60 µs per SendMessageBatch against about 15 µs here (docs/benchmarks.md). The unit test
 * signs the same requests with @smithy/signature-v4 and compares the two, header for header.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignedPost {
  readonly host: string;
  /** Header names in lower case; they are all signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Signs POSTs to `/` of one service in one region. */
export class PostSigner {
  readonly #region: string;
  readonly #service: string;
  #key: { readonly secret: string; readonly day: string; readonly key: Buffer } | undefined;

  constructor(region: string, service: string) {
    this.#region = region;
    this.#service = service;
  }

  /** The request's headers with `host`, the body's SHA-256, `x-amz-date`, the session token and `authorization` added. */
  sign(request: SignedPost, credentials: SigningCredentials, at: Date): Record<string, string> {
    const amzDate = at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const bodyHash = createHash('sha256').update(request.body).digest('hex');
    // x-amz-content-sha256 as the SDK's signer sends it (its applyChecksum default).
    const headers: Record<string, string> = {
      ...request.headers,
      host: request.host,
      'x-amz-content-sha256': bodyHash,
      'x-amz-date': amzDate,
    };
    if (credentials.sessionToken !== undefined) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    let canonicalHeaders = '';
    for (const name of names)
      canonicalHeaders += `${name}:${(headers[name] as string).trim().replace(/\s+/g, ' ')}\n`;
    const signedHeaders = names.join(';');
    const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${bodyHash}`;
    const scope = `${day}/${this.#region}/${this.#service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.#signingKey(credentials.secretAccessKey, day))
      .update(stringToSign)
      .digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  #signingKey(secret: string, day: string): Buffer {
    const cached = this.#key;
    if (cached !== undefined && cached.secret === secret && cached.day === day) return cached.key;
    const hmac = (key: string | Buffer, data: string): Buffer =>
      createHmac('sha256', key).update(data).digest();
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.#region), this.#service), 'aws4_request');
    this.#key = { secret, day, key };
    return key;
  }
}

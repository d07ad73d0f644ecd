/** A resolved Discord webhook. `url` is a credential: never log it, only `secret`. */
export interface Webhook {
  /** The Secrets Manager secret (name or ARN) the URL came from; what logs and errors name. */
  readonly secret: string;
  readonly url: string;
}

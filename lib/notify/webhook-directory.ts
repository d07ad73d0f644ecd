import type { SecretReader } from '../aws/secrets.ts';
import { isLocalHost, type Route } from '../config/index.ts';
import { NotifyError } from './notify-error.ts';
import type { Webhook } from './webhook.ts';

/**
 * Which Discord webhook a route's alerts go to: the team's own (`alerts.discordWebhookSecret`)
 * when the route names one, else the bridge's default. Alerts that belong to no route (the
 * commit function's) and routes this config does not know go to the default too.
 * URLs are read through SecretReader, so a warm Lambda does not call Secrets Manager for each
 * alert and a rotated webhook is picked up within the reader's cache time.
 */
export class WebhookDirectory {
  readonly #secrets: SecretReader;
  readonly #teamSecrets: ReadonlyMap<string, string>;
  readonly #defaultSecret: string | undefined;

  constructor(secrets: SecretReader, routes: readonly Route[], defaultSecret: string | undefined) {
    this.#secrets = secrets;
    this.#defaultSecret = defaultSecret === '' ? undefined : defaultSecret;
    const team = new Map<string, string>();
    for (const route of routes) {
      const secret = route.alerts?.discordWebhookSecret;
      if (secret !== undefined) team.set(route.name, secret);
    }
    this.#teamSecrets = team;
  }

  /** The secret holding the webhook for `route` (undefined: an alert of the bridge itself). */
  secretFor(route: string | undefined): string {
    const team = route === undefined ? undefined : this.#teamSecrets.get(route);
    if (team !== undefined) return team;
    if (this.#defaultSecret !== undefined) return this.#defaultSecret;
    throw new NotifyError(
      `no Discord webhook for ${route === undefined ? 'bridge alerts' : `route ${route}`}: the route sets no alerts.discordWebhookSecret and DISCORD_WEBHOOK_SECRET_ARN is not set`,
    );
  }

  /**
   * The webhook stored in `secret`: either the URL itself, or a JSON object with a `url` field
   * (so the secret can carry notes such as the channel name). Errors never quote the value.
   */
  async webhook(secret: string): Promise<Webhook> {
    const text = (await this.#secrets.text(secret)).trim();
    let candidate: unknown = text;
    if (text.startsWith('{')) {
      try {
        candidate = (JSON.parse(text) as { url?: unknown }).url;
      } catch {
        // No `cause`: V8's JSON errors quote the text around the problem, i.e. the URL.
        throw new NotifyError(
          `secret ${secret} looks like JSON but does not parse; it must hold a webhook URL or {"url": ...}`,
        );
      }
    }
    if (typeof candidate !== 'string') {
      throw new NotifyError(`secret ${secret} holds a JSON object without a string "url" field`);
    }
    const url = URL.parse(candidate);
    if (url === null) throw new NotifyError(`secret ${secret} does not hold an absolute URL`);
    // http:// only to this machine (tests, local mode): a webhook URL is a credential, never sent in clear.
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLocalHost(url.hostname)))) {
      throw new NotifyError(
        `secret ${secret} holds a URL that is not https:// (http:// is allowed to local hosts only)`,
      );
    }
    return { secret, url: url.href };
  }
}

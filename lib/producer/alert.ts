import { COLORS, type DiscordMessage } from '../notify/discord.ts';
import type { DiscordClient } from '../notify/discord-client.ts';
import { fitEmbed, truncate } from '../notify/limits.ts';
import type { Webhook } from '../notify/webhook.ts';

/** What a producer tells Discord about a record it gave up on. */
export interface GaveUp {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly attempts: number;
  readonly error: Error;
}

/** Posts a producer's give-ups to a Discord webhook; never throws into the producer. */
export interface FailureAlert {
  post(failure: GaveUp): Promise<void>;
}

/**
 * A Discord alert per record whose retries are exhausted, through the notifier's client (its
 * retries, 429 handling and redaction of the webhook URL) and cut to Discord's limits like the
 * notifier's own alerts. Mentions are never parsed: the error text comes from elsewhere.
 */
export function discordFailureAlert(
  client: DiscordClient,
  webhook: Webhook,
  producer = 'producer',
): FailureAlert {
  return {
    async post(failure) {
      const key = failure.key === null ? '(none)' : Buffer.from(failure.key).toString('utf8');
      const message: DiscordMessage = {
        embeds: [
          fitEmbed({
            title: truncate(`Kafka ${producer}: gave up writing to ${failure.topic}`, 256),
            color: COLORS.red,
            description: `A record was not written after ${failure.attempts} attempt(s); the sender was told (onFailure).`,
            fields: [
              { name: 'topic', value: failure.topic, inline: true },
              { name: 'key', value: key, inline: true },
              { name: 'attempts', value: String(failure.attempts), inline: true },
              { name: 'last error', value: `${failure.error.name}: ${failure.error.message}` },
            ],
            timestamp: new Date().toISOString(),
          }),
        ],
        allowed_mentions: { parse: [] },
      };
      await client.post(webhook, message);
    },
  };
}

/**
 * The parts of Discord's webhook API the notifier uses (Execute Webhook: POST the message as
 * JSON). Field names are Discord's own, snake_case included.
 */

export interface DiscordEmbedField {
  readonly name: string;
  readonly value: string;
  readonly inline?: boolean;
}

export interface DiscordEmbed {
  readonly title?: string;
  readonly description?: string;
  /** Where the title links to. */
  readonly url?: string;
  /** 0xRRGGBB as an integer. */
  readonly color?: number;
  /** ISO 8601; Discord shows it in the reader's time zone. */
  readonly timestamp?: string;
  readonly fields?: readonly DiscordEmbedField[];
  readonly footer?: { readonly text: string };
}

export interface DiscordMessage {
  readonly content?: string;
  readonly embeds: readonly DiscordEmbed[];
  /**
   * Always `{ parse: [] }`: alarm reasons and dead-letter errors are text from elsewhere (an
   * endpoint's answer may say "@everyone"), and must never ping a channel.
   */
  readonly allowed_mentions: { readonly parse: readonly [] };
}

/** Embed colours by meaning (Discord's own palette, so they read well in dark and light themes). */
export const COLORS = {
  /** ALARM */
  red: 0xed4245,
  /** OK */
  green: 0x57f287,
  /** INSUFFICIENT_DATA */
  grey: 0x95a5a6,
  /** Dead-letter summaries: bad news, but not an alarm state. */
  orange: 0xe67e22,
} as const;

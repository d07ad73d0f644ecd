import type { DiscordEmbed, DiscordEmbedField, DiscordMessage } from './discord.ts';

/**
 * Discord's documented message limits (developer docs, "Embed Limits" and Execute Webhook).
 * A message over any of them is rejected whole with a 400, so an alert with a long reason
 * would never arrive: everything is cut to fit before it is sent.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** Title, description, field names and values and footer of all embeds of one message together. */
  embedTotal: 6000,
} as const;

export const ELLIPSIS = '…';

/**
 * `text` cut to at most `max` UTF-16 code units, ending in an ellipsis when cut. Discord's
 * count is at most the JavaScript length, so what fits here fits there. A surrogate pair is
 * never split (half an emoji is invalid UTF-16, which JSON encoders turn into garbage).
 */
export function truncate(text: string, max: number): string {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`truncate: max must be an integer >= 1, got ${max}`);
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  // A high surrogate as the last kept unit would be half a pair.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/** The characters of an embed that count towards Discord's 6000 per message. */
export function embedLength(embed: DiscordEmbed): number {
  let total =
    (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0);
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total;
}

/** Discord rejects empty field names and values. */
function nonEmpty(text: string): string {
  return text === '' ? '-' : text;
}

function fitField(field: DiscordEmbedField): DiscordEmbedField {
  return {
    ...field,
    name: truncate(nonEmpty(field.name), DISCORD_LIMITS.fieldName),
    value: truncate(nonEmpty(field.value), DISCORD_LIMITS.fieldValue),
  };
}

/**
 * The embed within every per-embed limit and within `budget` characters in all. The
 * description (a free-text reason) gives way first, then field values from the last field
 * up, then whole fields: the title, the state and the first fields (route, metric) are what a
 * reader needs most.
 */
export function fitEmbed(embed: DiscordEmbed, budget: number = DISCORD_LIMITS.embedTotal): DiscordEmbed {
  const fields = (embed.fields ?? []).slice(0, DISCORD_LIMITS.fields).map(fitField);
  let fitted: DiscordEmbed = {
    ...embed,
    ...(embed.title === undefined ? {} : { title: truncate(embed.title, DISCORD_LIMITS.title) }),
    ...(embed.description === undefined
      ? {}
      : { description: truncate(embed.description, DISCORD_LIMITS.description) }),
    ...(embed.footer === undefined
      ? {}
      : { footer: { text: truncate(embed.footer.text, DISCORD_LIMITS.footer) } }),
    ...(embed.fields === undefined ? {} : { fields }),
  };
  let excess = embedLength(fitted) - budget;
  if (excess <= 0) return fitted;

  const description = fitted.description;
  if (description !== undefined && description.length > 0) {
    const keep = description.length - excess;
    const { description: _dropped, ...rest } = fitted;
    fitted = keep >= ELLIPSIS.length + 1 ? { ...rest, description: truncate(description, keep) } : rest;
    excess = embedLength(fitted) - budget;
  }
  const shrunk = [...(fitted.fields ?? [])];
  for (let i = shrunk.length - 1; i >= 0 && excess > 0; i--) {
    const field = shrunk[i];
    if (field === undefined) continue;
    const keep = field.value.length - excess;
    if (keep >= ELLIPSIS.length + 1) {
      shrunk[i] = { ...field, value: truncate(field.value, keep) };
    } else {
      shrunk.splice(i, 1);
    }
    fitted = { ...fitted, fields: shrunk.slice() };
    excess = embedLength(fitted) - budget;
  }
  if (excess > 0 && fitted.footer !== undefined) {
    const { footer: _dropped, ...rest } = fitted;
    fitted = rest;
    excess = embedLength(fitted) - budget;
  }
  if (excess > 0 && fitted.title !== undefined) {
    // Only a budget below the title's own length gets here.
    fitted = { ...fitted, title: truncate(fitted.title, Math.max(1, fitted.title.length - excess)) };
  }
  return fitted;
}

/**
 * Embeds packed into as few messages as Discord accepts: at most 10 embeds and 6000 embed
 * characters a message, in the given order. `content`, when given, goes with the first message.
 */
export function packMessages(embeds: readonly DiscordEmbed[], content?: string): DiscordMessage[] {
  const messages: DiscordMessage[] = [];
  let current: DiscordEmbed[] = [];
  let used = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    const text =
      messages.length === 0 && content !== undefined ? truncate(content, DISCORD_LIMITS.content) : undefined;
    messages.push({
      ...(text === undefined ? {} : { content: text }),
      embeds: current,
      allowed_mentions: { parse: [] },
    });
    current = [];
    used = 0;
  };
  for (const embed of embeds) {
    const fitted = fitEmbed(embed);
    const length = embedLength(fitted);
    if (current.length >= DISCORD_LIMITS.embedsPerMessage || used + length > DISCORD_LIMITS.embedTotal)
      flush();
    current.push(fitted);
    used += length;
  }
  flush();
  if (messages.length === 0 && content !== undefined) {
    messages.push({
      content: truncate(content, DISCORD_LIMITS.content),
      embeds: [],
      allowed_mentions: { parse: [] },
    });
  }
  return messages;
}

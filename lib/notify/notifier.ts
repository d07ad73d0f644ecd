import type { Route } from '../config/index.ts';
import { alarmEmbed } from './alarm-embed.ts';
import { type DeadLetterEvent, deadLetterEmbed, summarizeDeadLetters } from './dead-letter.ts';
import type { DiscordEmbed } from './discord.ts';
import type { DiscordClient } from './discord-client.ts';
import { DiscordError } from './discord-error.ts';
import type { Notification } from './input.ts';
import { packMessages } from './limits.ts';
import { NOTIFY_METRICS, type NotifyLogger, type NotifyMetrics } from './observability.ts';
import { alarmRoute } from './runbook.ts';
import type { WebhookDirectory } from './webhook-directory.ts';

export interface NotifierOptions {
  readonly routes: readonly Route[];
  readonly webhooks: WebhookDirectory;
  readonly client: DiscordClient;
  readonly logger: NotifyLogger;
  readonly metrics: NotifyMetrics;
  /** Base URL of the repository whose docs/runbook.md the embeds link to. */
  readonly runbookBaseUrl?: string | undefined;
  /** Record ids shown per dead-letter summary. Default 5. */
  readonly maxSamples?: number;
}

export interface NotifyResult {
  /** Discord messages accepted. */
  readonly sent: number;
  /** Discord messages that could not be delivered (logged and counted). */
  readonly failed: number;
}

/** `undefined` (bridge-wide alerts) as a map key. */
const BRIDGE = '\u0000bridge';

/**
 * Turns alarm notifications and dead-letter events into Discord messages and posts them, one
 * route at a time to the route's webhook. It never throws because of Discord or a webhook
 * secret: a notifier that failed its invocation would make SNS retry it, and the pipeline must
 * not depend on a chat service. Every such failure is logged and counted instead
 * (`notify.failure.count`), which is itself something to alarm on.
 */
export class Notifier {
  readonly #options: NotifierOptions;
  readonly #routes: ReadonlyMap<string, Route>;

  constructor(options: NotifierOptions) {
    this.#options = options;
    this.#routes = new Map(options.routes.map((route) => [route.name, route]));
  }

  /** Posts everything in `notifications`; dead letters are summarised per route first. */
  async notify(notifications: readonly Notification[], deadline?: number): Promise<NotifyResult> {
    const embeds = this.#embedsByRoute(notifications);
    let sent = 0;
    let failed = 0;
    for (const [key, routeEmbeds] of embeds) {
      const route = key === BRIDGE ? undefined : key;
      const outcome = await this.#postRoute(route, routeEmbeds, deadline);
      sent += outcome.sent;
      failed += outcome.failed;
    }
    return { sent, failed };
  }

  #embedsByRoute(notifications: readonly Notification[]): Map<string, DiscordEmbed[]> {
    const { runbookBaseUrl } = this.#options;
    const byRoute = new Map<string, DiscordEmbed[]>();
    const add = (route: string | undefined, embed: DiscordEmbed): void => {
      const key = route ?? BRIDGE;
      const list = byRoute.get(key);
      if (list === undefined) byRoute.set(key, [embed]);
      else list.push(embed);
    };
    const deadLetters: DeadLetterEvent[] = [];
    for (const notification of notifications) {
      if (notification.type === 'dead-letters') {
        deadLetters.push(...notification.events);
        continue;
      }
      const route = alarmRoute(notification.alarm, this.#options.routes);
      const oncall = route === undefined ? undefined : this.#routes.get(route)?.alerts?.oncall;
      add(route, alarmEmbed(notification.alarm, { route, oncall, runbookBaseUrl }));
    }
    for (const summary of summarizeDeadLetters(deadLetters, this.#options.maxSamples ?? 5)) {
      const oncall = this.#routes.get(summary.route)?.alerts?.oncall;
      add(summary.route, deadLetterEmbed(summary, { oncall, runbookBaseUrl }));
    }
    return byRoute;
  }

  async #postRoute(
    route: string | undefined,
    embeds: readonly DiscordEmbed[],
    deadline: number | undefined,
  ): Promise<NotifyResult> {
    const { webhooks, client, logger, metrics } = this.#options;
    const messages = packMessages(embeds);
    let webhook: Awaited<ReturnType<WebhookDirectory['webhook']>>;
    try {
      webhook = await webhooks.webhook(webhooks.secretFor(route));
    } catch (error) {
      logger.error('no usable Discord webhook: alerts not sent', {
        route: route ?? null,
        messages: messages.length,
        embeds: embeds.length,
        error,
      });
      metrics.count(NOTIFY_METRICS.failure, messages.length, route);
      return { sent: 0, failed: messages.length };
    }
    let sent = 0;
    let failed = 0;
    for (const message of messages) {
      try {
        await client.post(webhook, message, deadline);
        sent += 1;
      } catch (error) {
        failed += 1;
        logger.error('Discord did not take an alert message', {
          route: route ?? null,
          secret: webhook.secret,
          embeds: message.embeds.length,
          titles: message.embeds.map((embed) => embed.title),
          ...(error instanceof DiscordError
            ? { status: error.status ?? null, retryable: error.retryable }
            : {}),
          error,
        });
      }
    }
    if (sent > 0) metrics.count(NOTIFY_METRICS.sent, sent, route);
    if (failed > 0) metrics.count(NOTIFY_METRICS.failure, failed, route);
    if (sent > 0)
      logger.info('alerts sent to Discord', { route: route ?? null, secret: webhook.secret, messages: sent });
    return { sent, failed };
  }
}

/**
 * Discord notifications: CloudWatch alarm state changes and dead-letter summaries, per route,
 * to the route's team webhook or the bridge's default one.
 */
export {
  type AlarmNotification,
  AlarmNotificationSchema,
  type AlarmState,
  alarmConsoleUrl,
  latestDatapoint,
} from './alarm.ts';
export { alarmEmbed, STATE_COLORS } from './alarm-embed.ts';
export {
  type DeadLetterEvent,
  DeadLetterEventSchema,
  type DeadLetterSummary,
  deadLetterEmbed,
  summarizeDeadLetters,
} from './dead-letter.ts';
export { COLORS, type DiscordEmbed, type DiscordEmbedField, type DiscordMessage } from './discord.ts';
export { DiscordClient, type DiscordClientOptions } from './discord-client.ts';
export { DiscordError } from './discord-error.ts';
export { type Notification, parseNotification } from './input.ts';
export { DISCORD_LIMITS, embedLength, fitEmbed, packMessages, truncate } from './limits.ts';
export { Notifier, type NotifierOptions, type NotifyResult } from './notifier.ts';
export { NotifyError } from './notify-error.ts';
export {
  NOTIFY_METRICS,
  type NotifyLogger,
  type NotifyMetricName,
  type NotifyMetrics,
} from './observability.ts';
export { type NotifyEvent, type ProcessResult, processNotifyEvent } from './process.ts';
export { redactWebhook } from './redact.ts';
export {
  ALARM_KINDS,
  type AlarmKind,
  alarmKind,
  alarmRoute,
  RUNBOOK_ANCHORS,
  runbookUrl,
} from './runbook.ts';
export type { Webhook } from './webhook.ts';
export { WebhookDirectory } from './webhook-directory.ts';

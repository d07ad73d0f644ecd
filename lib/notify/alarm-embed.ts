import {
  type AlarmNotification,
  type AlarmState,
  alarmConsoleUrl,
  alarmRegion,
  describeMetric,
  describeThreshold,
  latestDatapoint,
} from './alarm.ts';
import { COLORS, type DiscordEmbed, type DiscordEmbedField } from './discord.ts';
import { DISCORD_LIMITS, truncate } from './limits.ts';
import { codeBlock, inlineCode } from './markdown.ts';
import { alarmKind, runbookUrl } from './runbook.ts';

export const STATE_COLORS: Readonly<Record<AlarmState, number>> = {
  ALARM: COLORS.red,
  OK: COLORS.green,
  INSUFFICIENT_DATA: COLORS.grey,
};

export interface AlarmEmbedOptions {
  /** The route the alarm is about; undefined for the bridge's own alarms. */
  readonly route: string | undefined;
  /** Who to call for this route, shown as a field. */
  readonly oncall?: string | undefined;
  /** Base URL of the repository the runbook lives in (see runbookUrl). */
  readonly runbookBaseUrl?: string | undefined;
}

/**
 * CloudWatch writes StateChangeTime as `2026-11-23T09:01:12.345+0000`; Discord wants ISO 8601
 * with a colon in the offset. Undefined when it is not a time at all.
 */
export function isoTime(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const normalised = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** One alarm state change as a Discord embed. Limits are applied later, when messages are packed. */
export function alarmEmbed(alarm: AlarmNotification, options: AlarmEmbedOptions): DiscordEmbed {
  const kind = alarmKind(alarm);
  const where = options.route === undefined ? 'bridge' : options.route;
  const consoleUrl = alarmConsoleUrl(alarm);
  const runbook = runbookUrl(kind.anchor, options.runbookBaseUrl);
  const value = latestDatapoint(alarm.NewStateReason);
  const metric = describeMetric(alarm);
  const threshold = describeThreshold(alarm);

  const fields: DiscordEmbedField[] = [
    { name: 'Route', value: options.route ?? '(bridge-wide)', inline: true },
    {
      name: 'State',
      value: alarm.OldStateValue ? `${alarm.OldStateValue} → ${alarm.NewStateValue}` : alarm.NewStateValue,
      inline: true,
    },
    { name: 'Alarm', value: inlineCode(alarm.AlarmName) },
  ];
  if (metric !== undefined) fields.push({ name: 'Metric', value: metric });
  fields.push({ name: 'Value', value: value ?? 'not in the notification (see the reason)', inline: true });
  if (threshold !== undefined) fields.push({ name: 'Threshold', value: threshold, inline: true });
  if (options.oncall !== undefined) fields.push({ name: 'On call', value: options.oncall });
  // A relative runbook path is not a link Discord can open; it is shown as text then.
  fields.push({
    name: 'Runbook',
    value: runbook.startsWith('http') ? `[${kind.title}](${runbook})` : runbook,
    inline: true,
  });
  if (consoleUrl !== undefined)
    fields.push({ name: 'Console', value: `[Open in CloudWatch](${consoleUrl})`, inline: true });

  const description = [alarm.AlarmDescription, alarm.NewStateReason]
    .filter((part): part is string => part !== null && part !== undefined && part !== '')
    .join('\n\n');
  const region = alarmRegion(alarm)?.region;
  const footer = ['kafka-bridge', alarm.AWSAccountId ? `account ${alarm.AWSAccountId}` : undefined, region]
    .filter((part) => part !== undefined)
    .join(' · ');
  const timestamp = isoTime(alarm.StateChangeTime);

  return {
    title: `[${alarm.NewStateValue}] ${where}: ${kind.title}`,
    ...(consoleUrl === undefined ? {} : { url: consoleUrl }),
    color: STATE_COLORS[alarm.NewStateValue],
    // Alarm text quotes names and values: in a code block, where Discord renders no markdown.
    // Cut before the fences are added, so the cut never opens the block.
    ...(description === ''
      ? {}
      : { description: codeBlock(truncate(description, DISCORD_LIMITS.description - 8)) }),
    fields,
    footer: { text: footer },
    ...(timestamp === undefined ? {} : { timestamp }),
  };
}

// The notifier's alarm text and the runbook, against every alarm the stack synthesizes (not a
// list copied beside it): each alarm, as the SNS notification CloudWatch sends when it fires,
// has a runbook section of its own that exists in docs/runbook.md, and its Discord text names
// the alarm's route and links that section. Every kind the notifier knows is an alarm the
// stack has.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import type { AlarmNotification } from '../../../lib/notify/alarm.ts';
import { alarmEmbed } from '../../../lib/notify/alarm-embed.ts';
import { parseNotification } from '../../../lib/notify/input.ts';
import { inlineCode } from '../../../lib/notify/markdown.ts';
import { ALARM_KINDS, alarmKind, alarmRoute, OTHER_ALARM } from '../../../lib/notify/runbook.ts';
import { runbookAnchors } from '../../support/runbook-anchors.ts';
import { type SynthesizedAlarm, synthesizedAlarms } from '../../support/synthesized-alarms.ts';
import { TWO_ROUTES, twoRouteApp } from '../cdk/two-route-app.ts';

const routes = parseBridgeConfig(TWO_ROUTES).routes;
const runbook = runbookAnchors();
let alarms: SynthesizedAlarm[] = [];

function notification(alarm: SynthesizedAlarm): AlarmNotification {
  const parsed = parseNotification(alarm.message);
  assert.equal(parsed.type, 'alarm', alarm.logicalId);
  return parsed.alarm;
}

describe('the synthesized alarms', () => {
  before(() => {
    alarms = synthesizedAlarms(twoRouteApp());
  });

  test('each alarm has a runbook section of its own, and the runbook has it', () => {
    assert.ok(alarms.length >= routes.length * 7 + 1, `only ${alarms.length} alarms found`);
    for (const alarm of alarms) {
      const kind = alarmKind(notification(alarm));
      assert.notEqual(
        kind,
        OTHER_ALARM,
        `${alarm.logicalId} (${alarm.route ?? 'bridge'}) has no runbook section`,
      );
      assert.ok(runbook.has(kind.anchor), `docs/runbook.md has no section #${kind.anchor}`);
    }
  });

  test('every kind of alarm the notifier knows is one the stack creates', () => {
    const seen = new Set(alarms.map((alarm) => alarmKind(notification(alarm)).anchor));
    assert.deepEqual(
      ALARM_KINDS.map((kind) => kind.anchor).filter((anchor) => !seen.has(anchor)),
      [],
    );
  });

  test("each alarm's Discord text names its route and links its runbook section", () => {
    for (const alarm of alarms) {
      const parsed = notification(alarm);
      const route = alarmRoute(parsed, routes);
      assert.equal(route, alarm.route, `${alarm.logicalId}: route`);
      const kind = alarmKind(parsed);
      const embed = alarmEmbed(parsed, { route, runbookBaseUrl: 'https://github.com/acme/bridge/blob/main' });
      const field = (name: string) => embed.fields?.find((f) => f.name === name)?.value;
      assert.equal(field('Route'), route ?? '(bridge-wide)', alarm.logicalId);
      assert.equal(
        field('Alarm'),
        inlineCode(parsed.AlarmName),
        'the name in a code span (text from AWS, never markdown)',
      );
      assert.equal(
        field('Runbook'),
        `[${kind.title}](https://github.com/acme/bridge/blob/main/docs/runbook.md#${kind.anchor})`,
        alarm.logicalId,
      );
    }
  });
});

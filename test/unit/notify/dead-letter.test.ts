import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommand } from '../../../lib/cli/command.ts';
import {
  type DeadLetterEvent,
  deadLetterEmbed,
  summarizeDeadLetters,
} from '../../../lib/notify/dead-letter.ts';
import { COLORS } from '../../../lib/notify/discord.ts';
import { parseNotification } from '../../../lib/notify/input.ts';

function event(route: string, offset: number, reason: string, second: number): DeadLetterEvent {
  return {
    kind: 'dead-letter',
    route,
    recordId: `${route}/orders.v1/3/${offset}`,
    reason,
    at: `2026-11-23T09:00:${String(second).padStart(2, '0')}.000Z`,
  };
}

describe('summarizeDeadLetters', () => {
  test('one summary per route: count, earliest error, samples in time order', () => {
    // Prepare: arrival order differs from time order.
    const events = [
      event('orders', 12, 'HTTP 400: bad field', 5),
      event('payments', 7, 'HTTP 422: unknown currency', 1),
      event('orders', 10, 'HTTP 400: missing id', 2),
      event('orders', 11, 'HTTP 400: bad field', 3),
    ];
    // Act
    const summaries = summarizeDeadLetters(events, 2);
    // Assess
    assert.deepEqual(summaries, [
      {
        route: 'payments',
        count: 1,
        first: events[1],
        lastAt: '2026-11-23T09:00:01.000Z',
        sampleRecordIds: ['payments/orders.v1/3/7'],
        distinctReasons: 1,
      },
      {
        route: 'orders',
        count: 3,
        first: events[2],
        lastAt: '2026-11-23T09:00:05.000Z',
        sampleRecordIds: ['orders/orders.v1/3/10', 'orders/orders.v1/3/11'],
        distinctReasons: 2,
      },
    ]);
  });

  test('a record dead-lettered twice (a redelivery) is one sample id', () => {
    const summaries = summarizeDeadLetters([event('orders', 1, 'x', 1), event('orders', 1, 'x', 2)], 5);
    assert.deepEqual(summaries[0]?.sampleRecordIds, ['orders/orders.v1/3/1']);
    assert.equal(summaries[0]?.count, 2);
  });

  test('no events, no summaries; a negative sample count is refused', () => {
    assert.deepEqual(summarizeDeadLetters([], 5), []);
    assert.throws(() => summarizeDeadLetters([], -1), RangeError);
  });
});

describe('deadLetterEmbed', () => {
  test('the exact embed: counts and ids, no payload, a capped error excerpt', () => {
    // Prepare
    const long = `HTTP 500: ${'x'.repeat(600)}`;
    const [summary] = summarizeDeadLetters(
      [
        event('orders', 10, long, 1),
        event('orders', 11, 'HTTP 400: bad', 2),
        event('orders', 12, 'HTTP 400: bad', 3),
      ],
      2,
    );
    assert.ok(summary);
    // Act
    const embed = deadLetterEmbed(summary, {
      oncall: '@orders',
      runbookBaseUrl: 'https://git.example.com/bridge',
    });
    // Assess
    assert.deepEqual(embed, {
      title: '[DEAD LETTERS] orders: 3 records dead-lettered',
      color: COLORS.orange,
      description: `First error (\`orders/orders.v1/3/10\`):\n\`\`\`\n${long.slice(0, 499)}…\n\`\`\`\n\n1 other distinct error in this batch.`,
      fields: [
        { name: 'Route', value: 'orders', inline: true },
        { name: 'Count', value: '3', inline: true },
        { name: 'Window', value: '2026-11-23T09:00:01.000Z → 2026-11-23T09:00:03.000Z' },
        {
          name: 'Sample record ids',
          value: '`orders/orders.v1/3/10`\n`orders/orders.v1/3/11`\n… and 1 more',
        },
        { name: 'On call', value: '@orders' },
        {
          name: 'Next steps',
          value:
            '`npx kafka-bridge dlq list --route orders` · runbook: [dead-letter summaries](https://git.example.com/bridge/docs/runbook.md#dead-letter-summaries)',
        },
      ],
      footer: { text: 'kafka-bridge · payloads are in the S3 archive, not in this message' },
      timestamp: '2026-11-23T09:00:01.000Z',
    });
  });

  test('a single dead letter reads in the singular', () => {
    const [summary] = summarizeDeadLetters([event('orders', 1, 'HTTP 404', 1)], 5);
    assert.ok(summary);
    const embed = deadLetterEmbed(summary);
    assert.equal(embed.title, '[DEAD LETTERS] orders: 1 record dead-lettered');
    assert.equal(embed.description, 'First error (`orders/orders.v1/3/1`):\n```\nHTTP 404\n```');
  });
});

test('record content in the reason cannot render as markdown: links, headings, a closing fence', () => {
  const hostile = 'schema: /[click](https://evil.example) must be number ``` # HEAD @everyone \u001b[31m';
  const [summary] = summarizeDeadLetters([event('orders', 1, hostile, 1)], 5);
  assert.ok(summary);
  const description = deadLetterEmbed(summary).description ?? '';
  const block = description.slice(description.indexOf('```'));
  assert.equal(
    block,
    '```\nschema: /[click](https://evil.example) must be number \u02cb\u02cb\u02cb # HEAD @everyone \\x1b[31m\n```',
  );
  assert.equal(block.match(/```/g)?.length, 2, 'one block, opened and closed by the bridge only');
});

describe('parsing dead-letter events', () => {
  test('one event or an array of events', () => {
    const one = event('orders', 1, 'r', 1);
    assert.deepEqual(parseNotification(JSON.stringify(one)), { type: 'dead-letters', events: [one] });
    assert.deepEqual(parseNotification(JSON.stringify([one, one])), {
      type: 'dead-letters',
      events: [one, one],
    });
  });

  test('extra fields are ignored; a bad time is an error naming the field', () => {
    const one = event('orders', 1, 'r', 1);
    assert.deepEqual(parseNotification(JSON.stringify({ ...one, attempts: 8 })), {
      type: 'dead-letters',
      events: [one],
    });
    assert.throws(() => parseNotification(JSON.stringify({ ...one, at: 'soon' })), /0\.at/);
  });
});

test("the embed's next-step command is one the CLI takes, for the summary's route", () => {
  const [summary] = summarizeDeadLetters([event('orders', 1, 'HTTP 404', 1)], 5);
  assert.ok(summary);
  const steps = deadLetterEmbed(summary).fields?.find((field) => field.name === 'Next steps')?.value ?? '';
  const shown = /^`npx kafka-bridge ([^`]+)`/.exec(steps)?.[1];
  assert.ok(shown !== undefined, steps);
  assert.deepEqual(parseCommand(shown.split(' ')), {
    name: 'dlq list',
    route: 'orders',
    json: false,
    resources: {},
    filter: {},
  });
});

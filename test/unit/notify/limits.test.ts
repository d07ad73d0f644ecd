import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DiscordEmbed } from '../../../lib/notify/discord.ts';
import {
  DISCORD_LIMITS,
  ELLIPSIS,
  embedLength,
  fitEmbed,
  packMessages,
  truncate,
} from '../../../lib/notify/limits.ts';

describe('truncate', () => {
  test('leaves text within the limit alone', () => {
    assert.equal(truncate('abc', 3), 'abc');
  });

  test('cuts to exactly the limit, ending in an ellipsis', () => {
    // Prepare
    const text = 'x'.repeat(300);
    // Act
    const cut = truncate(text, 256);
    // Assess
    assert.equal(cut.length, 256);
    assert.equal(cut, `${'x'.repeat(255)}${ELLIPSIS}`);
  });

  test('never splits a surrogate pair', () => {
    // Prepare: the cut would fall between the two halves of the emoji.
    const text = `ab😀cdef`;
    // Act
    const cut = truncate(text, 4);
    // Assess
    assert.equal(cut, `ab${ELLIPSIS}`);
    assert.equal(cut.isWellFormed(), true);
  });

  test('refuses a limit below 1', () => {
    assert.throws(() => truncate('abc', 0), RangeError);
  });
});

describe('fitEmbed: each per-embed limit', () => {
  const long = (n: number): string => 'a'.repeat(n);

  test('title <= 256', () => {
    const embed = fitEmbed({ title: long(300) });
    assert.equal(embed.title?.length, DISCORD_LIMITS.title);
    assert.ok(embed.title?.endsWith(ELLIPSIS));
  });

  test('description <= 4096', () => {
    const embed = fitEmbed({ description: long(5000) });
    assert.equal(embed.description?.length, DISCORD_LIMITS.description);
    assert.ok(embed.description?.endsWith(ELLIPSIS));
  });

  test('field name <= 256 and value <= 1024', () => {
    const embed = fitEmbed({ fields: [{ name: long(400), value: long(2000), inline: true }] });
    assert.deepEqual(embed.fields, [
      { name: `${long(255)}${ELLIPSIS}`, value: `${long(1023)}${ELLIPSIS}`, inline: true },
    ]);
  });

  test('empty field names and values become "-" (Discord rejects empty ones)', () => {
    const embed = fitEmbed({ fields: [{ name: '', value: '' }] });
    assert.deepEqual(embed.fields, [{ name: '-', value: '-' }]);
  });

  test('at most 25 fields', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    const embed = fitEmbed({ fields });
    assert.equal(embed.fields?.length, DISCORD_LIMITS.fields);
    assert.equal(embed.fields?.at(-1)?.name, 'f24');
  });

  test('footer <= 2048', () => {
    const embed = fitEmbed({ footer: { text: long(3000) } });
    assert.equal(embed.footer?.text.length, DISCORD_LIMITS.footer);
    assert.ok(embed.footer?.text.endsWith(ELLIPSIS));
  });

  test('total <= 6000: the description gives way first, title and fields stay', () => {
    // Prepare: 256 + 4096 + 2 * (5 + 1024) + 2048 = 8458 characters after the per-field limits.
    const embed: DiscordEmbed = {
      title: long(256),
      description: long(4096),
      fields: [
        { name: 'first', value: long(1024) },
        { name: 'other', value: long(1024) },
      ],
      footer: { text: long(2048) },
    };
    // Act
    const fitted = fitEmbed(embed);
    // Assess
    assert.equal(embedLength(fitted), DISCORD_LIMITS.embedTotal);
    assert.equal(fitted.title, embed.title);
    assert.deepEqual(fitted.fields, embed.fields);
    assert.equal(fitted.footer?.text, embed.footer?.text);
    assert.equal(fitted.description?.length, 4096 - 2458);
    assert.ok(fitted.description?.endsWith(ELLIPSIS));
  });

  test('total <= 6000 without a description: the last field values shrink', () => {
    const fields = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, value: long(1024) }));
    const fitted = fitEmbed({ title: 'T', fields });
    assert.ok(embedLength(fitted) <= DISCORD_LIMITS.embedTotal);
    // The first five fields (5 * 1026 = 5130, plus the title) survive whole.
    assert.deepEqual(fitted.fields?.slice(0, 5), fields.slice(0, 5));
    assert.ok(fitted.fields?.at(-1)?.value.endsWith(ELLIPSIS));
  });

  test('an embed within every limit is returned unchanged', () => {
    const embed: DiscordEmbed = {
      title: 't',
      description: 'd',
      color: 1,
      fields: [{ name: 'n', value: 'v' }],
    };
    assert.deepEqual(fitEmbed(embed), embed);
  });
});

describe('packMessages', () => {
  test('at most 10 embeds a message, order kept, mentions disabled', () => {
    // Prepare
    const embeds = Array.from({ length: 23 }, (_, i) => ({ title: `e${i}` }));
    // Act
    const messages = packMessages(embeds);
    // Assess
    assert.deepEqual(
      messages.map((m) => m.embeds.length),
      [10, 10, 3],
    );
    assert.deepEqual(
      messages.flatMap((m) => m.embeds.map((e) => e.title)),
      embeds.map((e) => e.title),
    );
    for (const message of messages) assert.deepEqual(message.allowed_mentions, { parse: [] });
  });

  test('at most 6000 embed characters a message', () => {
    // Prepare: three embeds of 2500 characters each.
    const embeds = Array.from({ length: 3 }, (_, i) => ({ title: `e${i}`, description: 'd'.repeat(2498) }));
    // Act
    const messages = packMessages(embeds);
    // Assess
    assert.deepEqual(
      messages.map((m) => m.embeds.length),
      [2, 1],
    );
    for (const message of messages) {
      const total = message.embeds.reduce((sum, embed) => sum + embedLength(embed), 0);
      assert.ok(total <= DISCORD_LIMITS.embedTotal, `message of ${total} embed characters`);
    }
  });

  test('content <= 2000, on the first message only', () => {
    const messages = packMessages(
      Array.from({ length: 11 }, () => ({ title: 't' })),
      'c'.repeat(2500),
    );
    assert.equal(messages[0]?.content?.length, DISCORD_LIMITS.content);
    assert.ok(messages[0]?.content?.endsWith(ELLIPSIS));
    assert.equal(messages[1]?.content, undefined);
  });

  test('no embeds and no content: no message', () => {
    assert.deepEqual(packMessages([]), []);
  });
});

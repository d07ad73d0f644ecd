import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compilePattern } from '../../lib/filter/index.ts';
import { eventRulerQuirk, patternEventPair, seeded } from '../support/filter-patterns.ts';

/*
 * Differential test of the filter matcher (lib/filter) against AWS Event Ruler, the library
 * behind EventBridge patterns, run on the JVM by scripts/event-ruler.sh: the same generated
 * pattern/event pairs go to both, and every verdict (match, no match, pattern refused) must agree.
 */

const PAIRS = Number(process.env.FILTER_DIFF_PAIRS ?? 12_000);
/** Pairs compared at least, once those that hit a known Event Ruler inconsistency are set aside. */
const COMPARED = Math.min(PAIRS, 10_000);
const SEED = Number(process.env.FILTER_DIFF_SEED ?? 20261207);
const script = fileURLToPath(new URL('../../scripts/event-ruler.sh', import.meta.url));

function eventRuler(input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, 'run'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out.split('\n').slice(0, -1));
      else reject(new Error(`event-ruler.sh exited ${code}: ${err}`));
    });
    child.stdin.end(input);
  });
}

type Verdict = 'match' | 'no match' | 'refused';

function ours(pattern: unknown, event: unknown): Verdict {
  let matcher: (event: unknown) => boolean;
  try {
    matcher = compilePattern(pattern);
  } catch {
    return 'refused';
  }
  return matcher(event) ? 'match' : 'no match';
}

function theirs(line: string | undefined): Verdict {
  if (line === '1') return 'match';
  if (line === '0') return 'no match';
  if (line?.startsWith('E ')) return 'refused';
  throw new Error(`unexpected oracle line: ${line}`);
}

test(`the filter matcher agrees with AWS Event Ruler on ${PAIRS} generated pattern/event pairs`, async () => {
  const random = seeded(SEED);
  const pairs = Array.from({ length: PAIRS }, () => patternEventPair(random));
  const input = pairs
    .map(({ pattern, event }) => `${JSON.stringify(pattern)}\n${JSON.stringify(event)}\n`)
    .join('');
  const lines = await eventRuler(input);
  assert.equal(lines.length, pairs.length, 'one verdict per pair');

  const counts: Record<Verdict, number> = { match: 0, 'no match': 0, refused: 0 };
  const setAside: Record<string, number> = {};
  const disagreements: string[] = [];
  pairs.forEach(({ pattern, event }, index) => {
    const expected = theirs(lines[index]);
    const quirk = expected === 'refused' ? undefined : eventRulerQuirk(pattern, event);
    if (quirk !== undefined) {
      setAside[quirk] = (setAside[quirk] ?? 0) + 1;
      return;
    }
    const actual = ours(pattern, event);
    counts[expected]++;
    if (actual !== expected) {
      disagreements.push(
        `pattern ${JSON.stringify(pattern)} event ${JSON.stringify(event)}: Event Ruler ${expected} (${lines[index]}), ours ${actual}`,
      );
    }
  });
  const compared = counts.match + counts['no match'] + counts.refused;
  console.log(`compared ${compared} pairs ${JSON.stringify(counts)}, set aside ${JSON.stringify(setAside)}`);
  assert.ok(compared >= COMPARED, `only ${compared} pairs compared`);
  // The generator must exercise both outcomes, or agreement proves little.
  assert.ok(counts.match > compared * 0.15 && counts['no match'] > compared * 0.15, JSON.stringify(counts));
  assert.ok(counts.refused > 0, 'some invalid patterns were compared');
  assert.equal(
    disagreements.length,
    0,
    `${disagreements.length} disagreements, first ones:\n${disagreements.slice(0, 15).join('\n')}`,
  );
});

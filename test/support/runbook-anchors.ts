// The heading anchors of docs/runbook.md, as GitHub makes them (the notifier links to them).
import { readFileSync } from 'node:fs';

/** GitHub's heading anchors: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function runbookAnchors(): Set<string> {
  const text = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');
  const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1] ?? '');
  return new Set(headings.map(githubAnchor));
}

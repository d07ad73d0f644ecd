import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The shell commands the docs show: every command in README.md and docs/*.md that starts with
 * `npm` or `npx kafka-bridge`, from fenced code blocks (sh, bash, shell, console or no language)
 * and from inline code. test/e2e/doc-commands.test.ts runs or checks each of them.
 */

export interface DocCommand {
  /** `docs/runbook.md:42`. */
  readonly where: string;
  /** The command as the doc shows it (one of `a && b` is one command). */
  readonly text: string;
  /** Its words, shell quotes removed; leading `VAR=value` assignments dropped. */
  readonly words: readonly string[];
}

const SHELL_FENCES = new Set(['', 'sh', 'bash', 'shell', 'console']);

/** Every doc the test reads: README.md and docs/*.md, under the repository root. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function docCommands(root: string): DocCommand[] {
  return docFiles(root).flatMap((file) => commandsOf(file, readFileSync(join(root, file), 'utf8')));
}

/** The commands of one markdown text; `file` names them. */
export function commandsOf(file: string, markdown: string): DocCommand[] {
  const found: DocCommand[] = [];
  const lines = markdown.split('\n');
  let fence: string | undefined;
  let pending = '';
  // Prose between fences, kept whole: inline code may wrap onto the next line.
  let prose: { start: number; text: string } | undefined;
  const flushProse = () => {
    if (prose !== undefined) found.push(...inlineCommands(file, prose.start, prose.text));
    prose = undefined;
  };
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const opening = /^\s*```\s*([\w-]*)/.exec(line);
    if (opening !== null) {
      flushProse();
      fence = fence === undefined ? (opening[1] ?? '') : undefined;
      return;
    }
    if (fence === undefined) {
      prose ??= { start: index, text: '' };
      prose.text += `${line}\n`;
      return;
    }
    if (!SHELL_FENCES.has(fence)) return;
    // A trailing backslash continues the command on the next line.
    const joined = pending + line.replace(/^\s*\$ /, '');
    if (joined.trimEnd().endsWith('\\')) {
      pending = `${joined.trimEnd().slice(0, -1)} `;
      return;
    }
    pending = '';
    found.push(...fromShellLine(joined, where));
  });
  flushProse();
  return found.sort((a, b) => lineOf(a) - lineOf(b));
}

const lineOf = (command: DocCommand) => Number(command.where.slice(command.where.lastIndexOf(':') + 1));

/** The commands in the inline code of prose that starts at line index `start`. */
function inlineCommands(file: string, start: number, text: string): DocCommand[] {
  return [...text.matchAll(/`([^`]+)`/g)].flatMap((span) => {
    const line = start + 1 + (text.slice(0, span.index).match(/\n/g)?.length ?? 0);
    return fromShellLine((span[1] ?? '').replace(/\s*\n\s*/g, ' '), `${file}:${line}`);
  });
}

/** The commands of one shell line: `a && b ; c` are three; comments and prompts dropped. */
function fromShellLine(line: string, where: string): DocCommand[] {
  return splitCommands(line.replace(/^\s*\$ /, ''))
    .map((text) => ({ where, text, words: withoutAssignments(words(text)) }))
    .filter(({ words: w }) => w[0] === 'npm' || (w[0] === 'npx' && w[1] === 'kafka-bridge'));
}

/** Splits at `&&`, `||`, `;` and `|` outside quotes, and drops a `#` comment. */
function splitCommands(line: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === '#' && (current === '' || /\s$/.test(current))) {
      break;
    } else if (char === ';' || char === '|' || (char === '&' && line[i + 1] === '&')) {
      commands.push(current);
      current = '';
      if (line[i + 1] === char) i++;
    } else {
      current += char;
    }
  }
  commands.push(current);
  return commands.map((command) => command.trim()).filter((command) => command !== '');
}

/** Shell words: whitespace-separated, single and double quotes removed (no expansion). */
export function words(command: string): string[] {
  const result: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const char of command) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current = (current ?? '') + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current ??= '';
    } else if (/\s/.test(char)) {
      if (current !== undefined) result.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + char;
    }
  }
  if (current !== undefined) result.push(current);
  return result;
}

function withoutAssignments(all: readonly string[]): string[] {
  const first = all.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  return first === -1 ? [] : all.slice(first);
}

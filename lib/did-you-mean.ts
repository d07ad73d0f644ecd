import { distance } from 'fastest-levenshtein';

/*
 * "Did you mean" for names a person types: CLI options and commands, local mode's flags, config
 * keys. One rule everywhere: the closest known name within 40% of the longer name's length in
 * edits (at least 2: `retries` -> `retry`), or one the typed name is a prefix of (`--rout` ->
 * `--route`).
 */

/** The known name `typed` most likely meant, or undefined when none is close. */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  let best: { name: string; cost: number } | undefined;
  for (const name of known) {
    const candidate = name.toLowerCase();
    const cost = candidate.startsWith(lower) && lower.length >= 3 ? 0.5 : distance(lower, candidate);
    const bound = Math.max(2, Math.round(Math.max(lower.length, candidate.length) * 0.4));
    if (cost <= bound && (best === undefined || cost < best.cost)) best = { name, cost };
  }
  return best?.name;
}

/** ` (did you mean X?)`, or '' when nothing is close. */
export function didYouMean(
  typed: string,
  known: readonly string[],
  show: (name: string) => string = (n) => n,
): string {
  const name = closestName(typed, known);
  return name === undefined ? '' : ` (did you mean ${show(name)}?)`;
}

/**
 * Node's parseArgs error text for an unknown option, in our words, with the closest option:
 * "Unknown option '--rout'..." -> "unknown option --rout (did you mean --route?)". Other parse
 * errors come back unchanged.
 */
export function optionProblem(message: string, options: readonly string[]): string {
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(message);
  if (unknown === null) return message;
  const [, dashes = '--', typed = ''] = unknown;
  return `unknown option ${dashes}${typed}${didYouMean(typed, options, (n) => `--${n}`)}`;
}

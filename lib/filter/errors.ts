import { BridgeError } from '../errors.ts';

/** Where in a pattern: object keys and array indexes from the pattern's root. */
export type PatternPath = readonly (string | number)[];

/** A filter pattern the matcher cannot compile; `path` leads to the offending part. */
export class FilterPatternError extends BridgeError {
  readonly path: PatternPath;
  /** The message without the path, for reports that print the path themselves. */
  readonly problem: string;

  constructor(path: PatternPath, message: string) {
    super(`${formatPatternPath(path)}: ${message}`, { retryable: false });
    this.name = 'FilterPatternError';
    this.path = path;
    this.problem = message;
  }
}

/** `value.price[0].numeric`, the way the config errors print field paths. */
export function formatPatternPath(path: PatternPath): string {
  let text = '';
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : `${text ? '.' : ''}${segment}`;
  return text || '(pattern)';
}

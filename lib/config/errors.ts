import { BridgeError } from '../errors.ts';

/** One problem of the config: where it is and what is wrong. */
export interface ConfigIssue {
  /** The route's name, when the problem is inside a route that has one. */
  readonly route?: string;
  /** The path of the field, e.g. `routes[orders].endpoint.url` or `kafka.brokers[0]`. */
  readonly field: string;
  readonly message: string;
}

/**
 * The config is invalid. The message lists every problem, one a line, each with its field path
 * (which names the route), so one synth run shows everything to fix. `route` and `field` are
 * those of the first problem; `issues` holds them all. Never retryable: the same config fails
 * the same way.
 */
export class ConfigError extends BridgeError {
  readonly route: string | undefined;
  readonly field: string;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    if (first === undefined) throw new TypeError('ConfigError needs at least one issue');
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const lines = issues.map((issue) => `  - ${issue.field}: ${issue.message}`);
    super(`invalid bridge config (${count}):\n${lines.join('\n')}`, { retryable: false });
    this.name = 'ConfigError';
    this.route = first.route;
    this.field = first.field;
    this.issues = issues;
  }
}

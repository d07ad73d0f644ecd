import assert from 'node:assert/strict';
import {
  ConfigError,
  type ConfigIssue,
  type ParseOptions,
  parseBridgeConfig,
} from '../../../lib/config/index.ts';

/*
 * Inputs here are plain objects typed loosely on purpose: the tests feed parseBridgeConfig the
 * wrong shapes a hand-edited config can have, which BridgeConfigInput would not allow.
 */
export type Raw = Record<string, unknown>;

/** A valid route named `orders`; `overrides` replace its top-level keys. */
export function route(overrides: Raw = {}): Raw {
  return {
    name: 'orders',
    topics: ['orders'],
    endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
    ...overrides,
  };
}

/** A valid route `orders` whose endpoint has `overrides` merged in. */
export function httpRoute(overrides: Raw): Raw {
  return route({ endpoint: { type: 'http', url: 'https://orders.example.com/kafka', ...overrides } });
}

/** A valid config around `routes`; `overrides` replace its top-level keys. */
export function config(routes: Raw[] = [route()], overrides: Raw = {}): Raw {
  return { kafka: { brokers: ['127.0.0.1:9092'] }, routes, ...overrides };
}

/** A valid config with one `orders` route and the given kafka settings. */
export function kafkaConfig(kafka: Raw): Raw {
  return config([route()], { kafka: { brokers: ['127.0.0.1:9092'], ...kafka } });
}

/** Parses `input`, which must be rejected, and returns the error. */
export function rejection(input: unknown, options: ParseOptions = {}): ConfigError {
  try {
    parseBridgeConfig(input, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected parseBridgeConfig to reject the config');
}

export interface ExpectedIssue {
  /** The route the issue must name (absent outside routes). */
  readonly route?: string;
  readonly field: string;
  /** What the issue's message must say. */
  readonly message?: RegExp;
}

/**
 * Asserts the config is rejected with exactly this one problem (so the test hits the rule it
 * names and nothing else), that the issue names the route and field, and that the error's
 * message lists it under its field path.
 */
export function assertRejected(
  input: unknown,
  expected: ExpectedIssue,
  options: ParseOptions = {},
): ConfigIssue {
  const error = rejection(input, options);
  assert.deepEqual(
    error.issues.map((issue) => issue.field),
    [expected.field],
    `unexpected problems:\n${error.message}`,
  );
  const [issue] = error.issues;
  assert.ok(issue !== undefined);
  assert.equal(issue.route, expected.route);
  assert.equal(error.route, expected.route);
  assert.equal(error.field, expected.field);
  assert.ok(error.message.includes(`  - ${expected.field}: ${issue.message}`), error.message);
  if (expected.route !== undefined) assert.ok(expected.field.startsWith(`routes[${expected.route}]`));
  if (expected.message !== undefined) assert.match(issue.message, expected.message);
  return issue;
}

// Hostile and absurd configs (issue 9, bad input): prototype-pollution keys, non-finite and
// absurd numbers, route names that would break resource names, non-http endpoint schemes, and
// configs of thousands of routes. Each is rejected with the route and field named, or accepted
// and parsed fast; none pollutes Object.prototype.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, httpRoute, type Raw, rejection, route } from './support.ts';

/** JSON.parse keeps `__proto__` as an own key, as a config read from BRIDGE_CONFIG_JSON would. */
function fromJson(text: string): Raw {
  return JSON.parse(text) as Raw;
}

const ROUTE_JSON =
  '"name":"orders","topics":["orders"],"endpoint":{"type":"http","url":"https://orders.example.com/kafka"}';

describe('prototype-pollution keys are unknown settings, and pollute nothing', () => {
  const cases: { where: string; json: string; field: string; route?: string }[] = [
    {
      where: 'top level',
      json: `{"kafka":{"brokers":["127.0.0.1:9092"]},"routes":[{${ROUTE_JSON}}],"__proto__":{"polluted":true}}`,
      field: '__proto__',
    },
    {
      where: 'a route',
      json: `{"kafka":{"brokers":["127.0.0.1:9092"]},"routes":[{${ROUTE_JSON},"__proto__":{"polluted":true}}]}`,
      field: 'routes[orders].__proto__',
      route: 'orders',
    },
    {
      where: 'a nested route setting',
      json: `{"kafka":{"brokers":["127.0.0.1:9092"]},"routes":[{${ROUTE_JSON},"retry":{"__proto__":{"attempts":1}}}]}`,
      field: 'routes[orders].retry.__proto__',
      route: 'orders',
    },
    {
      where: 'defaults (merged into every route)',
      json: `{"kafka":{"brokers":["127.0.0.1:9092"]},"defaults":{"__proto__":{"maxInFlight":1}},"routes":[{${ROUTE_JSON}}]}`,
      field: 'defaults.__proto__',
    },
    {
      where: 'a route, as constructor.prototype',
      json: `{"kafka":{"brokers":["127.0.0.1:9092"]},"routes":[{${ROUTE_JSON},"constructor":{"prototype":{"polluted":true}}}]}`,
      field: 'routes[orders].constructor',
      route: 'orders',
    },
  ];
  for (const { where, json, field, route: routeName } of cases) {
    test(where, () => {
      assertRejected(fromJson(json), {
        field,
        message: /not a known setting/,
        ...(routeName === undefined ? {} : { route: routeName }),
      });
      assert.equal(({} as Raw).polluted, undefined);
      assert.equal(({} as Raw).attempts, undefined);
    });
  }
});

describe('absurd numbers are rejected with the field named', () => {
  const cases: { rule: string; overrides: Raw; field: string; message: RegExp }[] = [
    {
      rule: 'Infinity',
      overrides: { maxInFlight: Number.POSITIVE_INFINITY },
      field: 'maxInFlight',
      message: /Infinity/,
    },
    { rule: 'NaN', overrides: { retry: { attempts: Number.NaN } }, field: 'retry.attempts', message: /NaN/ },
    {
      rule: '1e300',
      overrides: { retry: { attempts: 1e300 } },
      field: 'retry.attempts',
      message: /at most 995/,
    },
    { rule: 'negative', overrides: { concurrency: -5 }, field: 'concurrency', message: /at least 2/ },
    {
      rule: 'fractional',
      overrides: { concurrency: 2.5 },
      field: 'concurrency',
      message: /must be a whole number, got the number 2.5/,
    },
    {
      rule: 'a number as a string',
      overrides: { maxInFlight: '10' },
      field: 'maxInFlight',
      message: /must be a number, got the string "10"/,
    },
    {
      rule: '-Infinity as a rate',
      overrides: { rateLimit: { perSecond: Number.NEGATIVE_INFINITY } },
      field: 'rateLimit.perSecond',
      message: /Infinity/,
    },
  ];
  for (const { rule, overrides, field, message } of cases) {
    test(rule, () => {
      assertRejected(config([route(overrides)]), {
        route: 'orders',
        field: `routes[orders].${field}`,
        message,
      });
    });
  }
  test('a negative endpoint timeout', () => {
    assertRejected(config([httpRoute({ timeoutMs: -1 })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.timeoutMs',
      message: /must be at least 1, got the number -1/,
    });
  });
});

describe('route names that would break resource names are rejected', () => {
  for (const name of ['__proto__', '../etc', 'orders/eu', 'orders eu', 'оrders', 'orders.fifo', 'ORDERS']) {
    test(JSON.stringify(name), () => {
      const error = rejection(config([route({ name })]));
      assert.equal(error.issues.length, 1, error.message);
      assert.match(error.field, /^routes\[.*\]\.name$/);
      assert.match(error.message, /kebab-case/);
    });
  }
});

describe('endpoint URLs with other schemes are rejected, naming the scheme', () => {
  for (const url of [
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/plain,hi',
    'gopher://x.example.com/',
  ]) {
    test(url, () => {
      assertRejected(config([httpRoute({ url })]), {
        route: 'orders',
        field: 'routes[orders].endpoint.url',
        message: /must use https:\/\//,
      });
    });
  }
});

describe('a route named like an Object.prototype member', () => {
  test('"constructor" is a valid kebab-case name and stays an ordinary route', () => {
    const parsed = parseBridgeConfig(config([route({ name: 'constructor' }), route({ topics: ['b'] })]));
    assert.deepEqual(
      parsed.routes.map((r) => r.name),
      ['constructor', 'orders'],
    );
    assert.equal(parsed.routes[0]?.maxInFlight, 1000);
  });
  test('two routes named "constructor" are still duplicates', () => {
    const error = rejection(
      config([route({ name: 'constructor' }), route({ name: 'constructor', topics: ['b'] })]),
    );
    assert.equal(error.field, 'routes[constructor].name');
  });
});

describe('duplicate route names', () => {
  test('three routes of one name: the second and third are each reported', () => {
    const error = rejection(config([route(), route({ topics: ['a'] }), route({ topics: ['b'] })]));
    assert.deepEqual(
      error.issues.map((issue) => issue.field),
      ['routes[orders].name', 'routes[orders].name'],
    );
    for (const issue of error.issues) assert.match(issue.message, /also the name of routes\[0\]/);
  });
});

describe('huge configs', () => {
  // How long it takes is a benchmark (npm run bench:config-parse, docs/benchmarks.md).
  test('2,000 valid routes parse', () => {
    const parsed = parseBridgeConfig(
      config(Array.from({ length: 2_000 }, (_, i) => route({ name: `route-${i}`, topics: [`topic-${i}`] }))),
    );
    assert.equal(parsed.routes.length, 2_000);
  });

  test('2,000 routes with a typo each: every one is listed under its route', () => {
    const error = rejection(
      config(
        Array.from({ length: 2_000 }, (_, i) =>
          route({ name: `route-${i}`, topics: [`topic-${i}`], maxInflight: 1 }),
        ),
      ),
    );
    assert.equal(error.issues.length, 2_000);
    assert.equal(error.issues[1_999]?.field, 'routes[route-1999].maxInflight');
    assert.equal(error.issues[1_999]?.route, 'route-1999');
  });
});

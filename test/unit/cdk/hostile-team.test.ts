import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { KafkaBridge } from '../../../cdk/lib/kafka-bridge.ts';
import type { TeamLimits } from '../../../cdk/lib/team-limits.ts';
import { routeItemKey, TABLE_ITEM_KINDS } from '../../../lib/completion/table.ts';
import { type BridgeConfigInput, ConfigError, type RouteInput } from '../../../lib/config/index.ts';
import { foldNestedStacks } from '../../support/iam/nested.ts';
import { evaluate } from '../../support/iam/policy.ts';
import { type ComponentRole, componentRoles } from '../../support/iam/roles.ts';

/*
 * A hostile team's route file (docs/security.md): each attempt to reach beyond its own route is
 * refused at synth, naming the route and the field, or denied by the synthesized IAM policies
 * (evaluated as test/integration/iam-recorded-calls.test.ts does), so nothing of another route
 * changes. Functions are not bundled (bundling-stacks: []).
 */

const DEPLOYMENT = { account: '123456789012', region: 'eu-west-1' } as const;
const TABLE = 'bridge-completions';
const TABLE_ARN = `arn:aws:dynamodb:${DEPLOYMENT.region}:${DEPLOYMENT.account}:table/${TABLE}`;

const route = (name: string, extra: Partial<RouteInput> = {}): RouteInput => ({
  name,
  topics: [`${name}-events`],
  endpoint: { type: 'http', url: `https://${name}.example.com/kafka`, headersSecret: `${name}/headers` },
  ...extra,
});

function synth(
  routes: RouteInput[],
  limits?: TeamLimits,
  kafka?: BridgeConfigInput['kafka'],
): ComponentRole[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Hostile', { env: DEPLOYMENT });
  const bridge = new KafkaBridge(stack, 'Bridge', {
    config: { kafka: kafka ?? { brokers: ['b-1.kafka.example.com:9094'], ssl: true }, routes },
    ...(limits === undefined ? {} : { limits }),
  });
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return componentRoles(foldNestedStacks(stack) as never, {
    ...DEPLOYMENT,
    physicalNames: {
      [id(bridge.completionTable)]: TABLE,
      [id(bridge.bucket)]: 'bridge-bucket',
      [id(bridge.deadLetterEvents)]: 'bridge-events',
    },
  });
}

/** Asserts the synth fails with a ConfigError naming the route and field. */
function refused(run: () => unknown, routeName: string, field: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    const issue = error.issues.find((i) => i.field === `routes[${routeName}].${field}`);
    assert.ok(issue !== undefined, `an issue on routes[${routeName}].${field}, got ${error.message}`);
    assert.equal(issue.route, routeName);
    assert.match(issue.message, message);
    return true;
  });
}

describe('hostile team: routes named like the table item kinds', () => {
  const hostile = ['lease', 'quarantine', 'breaker', 'attempts', 'entries', 'completion', 'replay'];
  const roles = synth([route('orders'), ...hostile.map((name) => route(name))]);
  const tableActions = [
    ...new Set(
      roles.flatMap((role) =>
        role.statements.flatMap((s) => [s.Action ?? []].flat()).filter((a) => a.startsWith('dynamodb:')),
      ),
    ),
  ];
  // Every key the orders route's items can have, of every kind.
  const ordersKeys = TABLE_ITEM_KINDS.flatMap((kind) => [
    routeItemKey(kind, 'orders'),
    routeItemKey(kind, 'orders', 'orders-events', 0),
  ]);
  const allowed = (role: ComponentRole, action: string, key: string) =>
    evaluate(role.statements, { action, resource: TABLE_ARN, context: { 'dynamodb:LeadingKeys': [key] } })
      .decision === 'allowed';

  test('they synthesize: a name alone is no privilege', () => {
    assert.ok(roles.some((role) => role.route === 'lease' && role.component === 'deliverer'));
  });

  test('no function of theirs may read or write any item of route orders (lease, state, quarantine, breaker, attempts, entries, completions)', () => {
    for (const role of roles.filter((r) => r.route !== undefined && r.route !== 'orders')) {
      for (const key of ordersKeys) {
        for (const action of tableActions) {
          assert.equal(
            allowed(role, action, key),
            false,
            `${role.component} of ${role.route}: ${action} on ${key}`,
          );
        }
      }
    }
  });

  test("the check can fail: orders' own deliverer writes its entries and reads its state", () => {
    const own = roles.find((r) => r.route === 'orders' && r.component === 'deliverer');
    assert.ok(own !== undefined);
    assert.ok(allowed(own, 'dynamodb:PutItem', routeItemKey('entries', 'orders')));
    assert.ok(allowed(own, 'dynamodb:GetItem', routeItemKey('lease', 'orders')));
  });
});

describe('hostile team: secrets, functions and groups beyond its route', () => {
  const scram: BridgeConfigInput['kafka'] = {
    brokers: ['b-1.kafka.example.com:9096'],
    ssl: true,
    sasl: { mechanism: 'scram-sha-512', secret: 'kafka/bridge-scram' },
  };
  const http = (secret: string) => ({
    type: 'http' as const,
    url: 'https://evil.example.com/k',
    headersSecret: secret,
  });

  test("naming the Kafka client's secret as headersSecret", () => {
    refused(
      () => synth([route('evil', { endpoint: http('kafka/bridge-scram') })], {}, scram),
      'evil',
      'endpoint.headersSecret',
      /Kafka client's secret/,
    );
    // Even when the platform allows the prefix, and by ARN.
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka/bridge-scram-AbCdEf';
    refused(
      () => synth([route('evil', { endpoint: http(arn) })], { secretPrefixes: { evil: ['kafka/'] } }, scram),
      'evil',
      'endpoint.headersSecret',
      /Kafka client's secret/,
    );
  });

  test("naming another route's secret", () => {
    refused(
      () => synth([route('orders'), route('evil', { endpoint: http('orders/headers') })]),
      'evil',
      'endpoint.headersSecret',
      /route orders uses/,
    );
    const limits = { secretPrefixes: { evil: ['orders/', 'evil/'] } };
    refused(
      () => synth([route('orders'), route('evil', { endpoint: http('orders/headers') })], limits),
      'evil',
      'endpoint.headersSecret',
      /route orders uses/,
    );
    refused(
      () =>
        synth([route('orders'), route('evil', { alerts: { discordWebhookSecret: 'orders-eu/discord' } })]),
      'evil',
      'alerts.discordWebhookSecret',
      /outside the prefixes/,
    );
  });

  test('naming a function outside the ones the platform allows', () => {
    const endpoint = {
      type: 'lambda' as const,
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:billing-admin',
    };
    refused(() => synth([route('evil', { endpoint })]), 'evil', 'endpoint.functionArn', /none listed/);
    const limits = { lambdaTargets: { evil: ['arn:aws:lambda:eu-west-1:123456789012:function:evil-*'] } };
    refused(() => synth([route('evil', { endpoint })], limits), 'evil', 'endpoint.functionArn', /evil-\*/);
    const own = {
      type: 'lambda' as const,
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:evil-handler',
    };
    assert.ok(
      synth([route('evil', { endpoint: own })], limits).length > 0,
      'an allowed function synthesizes',
    );
  });

  test("a failure topic outside the route's own, or one a route reads", () => {
    const deadLetter = (kafkaTopic: string) => ({ deadLetter: { kafkaTopic } });
    refused(
      () => synth([route('orders'), route('evil', deadLetter('orders-events'))]),
      'evil',
      'deadLetter.kafkaTopic',
      /route orders reads/,
    );
    const limits = { deadLetterTopics: { evil: ['*'] } };
    refused(
      () => synth([route('orders'), route('evil', deadLetter('orders-events'))], limits),
      'evil',
      'deadLetter.kafkaTopic',
      /route orders reads/,
    );
    refused(
      () => synth([route('evil', deadLetter('billing.failed'))]),
      'evil',
      'deadLetter.kafkaTopic',
      /evil\.\*/,
    );
    assert.ok(synth([route('evil', deadLetter('evil.failed'))]).length > 0, 'its own prefix synthesizes');
    assert.ok(
      synth([route('evil', deadLetter('billing.failed'))], limits).length > 0,
      'as the platform allows',
    );
  });

  test("endpoint.auth naming another route's secret", () => {
    const auth = (ref: string) => ({
      endpoint: {
        type: 'http' as const,
        url: 'https://evil.example.com/kafka',
        auth: { clientCertificateSecret: ref },
      },
    });
    refused(
      () => synth([route('orders'), route('evil', auth('orders/headers'))]),
      'evil',
      'endpoint.auth.clientCertificateSecret',
      /route orders uses/,
    );
    const oauth = {
      endpoint: {
        type: 'http' as const,
        url: 'https://evil.example.com/kafka',
        auth: { oauth2: { tokenUrl: 'https://idp.example.com/token', credentialsSecret: 'orders/oauth' } },
      },
    };
    refused(
      () => synth([route('orders'), route('evil', oauth)]),
      'evil',
      'endpoint.auth.oauth2.credentialsSecret',
      /outside the prefixes/,
    );
  });

  test("a group outside the bridge's namespace", () => {
    // No namespace: the team may not choose a prefix (billing. + consumer = another app's group).
    refused(
      () => synth([route('consumer', { groupPrefix: 'billing.' })]),
      'consumer',
      'groupPrefix',
      /platform's to allow/,
    );
    refused(
      () => synth([route('consumer', { groupPrefix: 'billing.' })], { groupPrefix: 'bridge.' }),
      'consumer',
      'groupPrefix',
      /outside the bridge's namespace bridge\./,
    );
    refused(() => synth([route('consumer')], { groupPrefix: 'bridge.' }), 'consumer', 'name', /outside/);
    assert.ok(
      synth([route('consumer', { groupPrefix: 'bridge.team-a.' })], { groupPrefix: 'bridge.' }).length > 0,
    );
  });
});

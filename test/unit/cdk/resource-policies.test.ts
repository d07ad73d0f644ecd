// Resource policies from the synthesized template (docs/deploy.md, "Resource policies"): every
// alarm action can publish to its topic (topic policy; key policy if the topic is encrypted),
// every subscription and schedule invokes its function only from its own source, and every
// queue policy admits exactly the roles the stack grants sending and nobody else, each with a
// negative case. Evaluated with the IAM evaluator of the recorded-calls test (test/support/iam).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { foldNestedStacks } from '../../support/iam/nested.ts';
import type { Principal, Statement } from '../../support/iam/policy.ts';
import { decide, resourceStatements } from '../../support/iam/resource-policies.ts';
import { componentRoles, roleLabel } from '../../support/iam/roles.ts';
import { type Deployment, TemplateResolver } from '../../support/iam/template.ts';
import { twoRouteApp } from './two-route-app.ts';

type Json = Record<string, unknown>;

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '999999999999';
const REGION = 'eu-west-1';
const template = foldNestedStacks(twoRouteApp().stack);
const resources = Object.entries(template.Resources);
// CloudFormation names what the template leaves unnamed: any unique name does here.
const unnamed = new TemplateResolver(template, { account: ACCOUNT, region: REGION, physicalNames: {} });
const deployment: Deployment = {
  account: ACCOUNT,
  region: REGION,
  physicalNames: Object.fromEntries(
    resources.flatMap(([id]) => {
      try {
        unnamed.physicalName(id);
        return [];
      } catch {
        return [[id, id.replaceAll('/', '-')]];
      }
    }),
  ),
};
const named = new TemplateResolver(template, deployment);
const resolve = (value: unknown): string => String(named.resolve(value));
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const idOf = (reference: unknown): string => {
  const r = reference as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = r.Ref ?? r['Fn::GetAtt']?.[0];
  if (id === undefined || template.Resources[id] === undefined)
    throw new Error(`not a resource: ${JSON.stringify(reference)}`);
  return id;
};
const service = (id: string): Principal => ({ type: 'Service', id });
const allowed = (decision: { decision: string }) => decision.decision === 'allowed';
const policyOf = (id: string): Statement[] => resourceStatements(template, named, id);

/** What CloudWatch asks when an alarm publishes its state change. */
function alarmPublish(topicId: string, alarmName: string, account = ACCOUNT, secure = true) {
  return {
    principal: service('cloudwatch.amazonaws.com'),
    action: 'sns:Publish',
    resource: resolve({ Ref: topicId }),
    context: {
      'aws:SourceArn': [`arn:aws:cloudwatch:${REGION}:${account}:alarm:${alarmName}`],
      'aws:SourceAccount': [account],
      'aws:SecureTransport': [String(secure)],
    },
  };
}

describe('resource policies of the synthesized stack', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm');
  const notifying = alarms.flatMap(([id, alarm]) => {
    const p = alarm.Properties as Json;
    const actions = [p.AlarmActions, p.OKActions, p.InsufficientDataActions].flatMap(
      (a) => (a ?? []) as unknown[],
    );
    return actions
      .filter((action) => template.Resources[idOf(action)]?.Type === 'AWS::SNS::Topic')
      .map((action) => ({ id, name: resolve(p.AlarmName), topicId: idOf(action) }));
  });

  test('every alarm action can publish to its topic, and only this stack and account’s alarms can', () => {
    assert.ok(notifying.length >= alarms.length - 2, 'every alarm but the scaling ones notifies a topic');
    for (const { id, name, topicId } of notifying) {
      const policy = policyOf(topicId);
      const decision = decide(alarmPublish(topicId, name), policy, undefined, ACCOUNT);
      assert.ok(
        allowed(decision),
        `alarm ${id} (${name}) cannot publish to topic ${topicId}: ${decision.decision}`,
      );
      // Negative cases: another account's alarm of the same name, an alarm of another stack, plain HTTP.
      assert.equal(
        decide(alarmPublish(topicId, name, OTHER_ACCOUNT), policy, undefined, ACCOUNT).decision,
        'implicit-deny',
      );
      assert.equal(
        decide(alarmPublish(topicId, `Other-${name}`), policy, undefined, ACCOUNT).decision,
        'implicit-deny',
      );
      assert.equal(
        decide(alarmPublish(topicId, name, ACCOUNT, false), policy, undefined, ACCOUNT).decision,
        'explicit-deny',
      );
    }
  });

  test('an encrypted alarm topic lets CloudWatch use its key', () => {
    for (const topicId of new Set(notifying.map((n) => n.topicId))) {
      const key = (template.Resources[topicId]?.Properties as Json | undefined)?.KmsMasterKeyId;
      if (key === undefined) continue;
      assert.equal(
        typeof key,
        'object',
        `topic ${topicId}: an AWS managed key (${String(key)}) cannot be used by CloudWatch`,
      );
      const keyResource = template.Resources[idOf(key)];
      const keyPolicy = keyResource?.Properties?.KeyPolicy as { Statement: unknown[] };
      const statements = named.resolve(keyPolicy.Statement) as Statement[];
      for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
        const request = { principal: service('cloudwatch.amazonaws.com'), action, resource: '*' };
        assert.ok(allowed(decide(request, statements, undefined, ACCOUNT)), `key of ${topicId}: ${action}`);
      }
    }
  });

  test('every subscription and schedule invokes its function only from its own source', () => {
    const invokers = [
      ...ofType('AWS::SNS::Subscription').map(([id, s]) => {
        const p = s.Properties as Json;
        assert.equal(p.Protocol, 'lambda', `subscription ${id}: only lambda subscriptions are modelled`);
        return { id, fn: idOf(p.Endpoint), principal: 'sns.amazonaws.com', source: resolve(p.TopicArn) };
      }),
      ...ofType('AWS::Events::Rule').flatMap(([id, rule]) =>
        ((rule.Properties as Json).Targets as Json[]).map((target) => ({
          id,
          fn: idOf(target.Arn),
          principal: 'events.amazonaws.com',
          source: resolve({ 'Fn::GetAtt': [id, 'Arn'] }),
        })),
      ),
    ];
    assert.ok(invokers.length >= 2, 'the alarm subscription and the commit schedule at least');
    for (const { id, fn, principal, source } of invokers) {
      const invoke = (from: string) => ({
        principal: service(principal),
        action: 'lambda:InvokeFunction',
        resource: resolve({ 'Fn::GetAtt': [fn, 'Arn'] }),
        context: { 'aws:SourceArn': [from], 'aws:SourceAccount': [ACCOUNT] },
      });
      const policy = policyOf(fn);
      assert.ok(allowed(decide(invoke(source), policy, undefined, ACCOUNT)), `${id} cannot invoke ${fn}`);
      assert.equal(
        decide(invoke(`${source}-other`), policy, undefined, ACCOUNT).decision,
        'implicit-deny',
        `${fn} admits another source than ${id}`,
      );
    }
  });

  test('every queue policy admits the roles granted sending to it, and nobody else', () => {
    const roles = componentRoles(template, deployment);
    const queues = ofType('AWS::SQS::Queue');
    let senders = 0;
    for (const [queueId] of queues) {
      const policy = policyOf(queueId);
      const send = (principal: string, secure = true) => ({
        principal: { type: 'AWS' as const, id: principal },
        action: 'sqs:SendMessage',
        resource: resolve({ 'Fn::GetAtt': [queueId, 'Arn'] }),
        context: { 'aws:SecureTransport': [String(secure)] },
      });
      for (const role of roles) {
        const arn = `arn:aws:iam::${ACCOUNT}:role/${role.roleId}`;
        const decision = decide(send(arn), policy, role.statements, ACCOUNT);
        if (!allowed(decision)) continue;
        senders++;
        assert.equal(
          decide(send(arn, false), policy, role.statements, ACCOUNT).decision,
          'explicit-deny',
          `${queueId} takes ${roleLabel(role)}'s messages over plain HTTP`,
        );
      }
      // Negative: a role of another account allowed by its own policy, and anyone anonymous.
      const everything: Statement[] = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
      const stranger = `arn:aws:iam::${OTHER_ACCOUNT}:role/stranger`;
      assert.equal(
        decide(send(stranger), policy, everything, ACCOUNT).decision,
        'implicit-deny',
        `${queueId} admits another account`,
      );
      assert.equal(
        decide(send('*'), policy, [], ACCOUNT).decision,
        'implicit-deny',
        `${queueId} admits anyone`,
      );
    }
    assert.ok(senders >= 3, 'the poller, the deliverers and the DLQ consumers send to their queues');
  });
});

/**
 * Recorded AWS calls (lib/aws/call-recorder.ts) checked against the roles of a synthesized
 * template: which component's role makes each call, the IAM request the call is, and the
 * grants no call used.
 */
import type { Component, RecordedCall } from '../../../lib/aws/call-recorder.ts';
import { ENV, SERVICE } from '../../../lib/runtime/contract.ts';
import { evaluate, type Request, type Statement, statementMatches } from './policy.ts';
import { type CfnTemplate, type Deployment, TemplateResolver } from './template.ts';

export interface ComponentRole {
  readonly component: Component;
  /** The route of a per-route function (deliverer, DLQ consumer). */
  readonly route?: string;
  readonly roleId: string;
  readonly statements: readonly Statement[];
  readonly managedPolicies: readonly string[];
}

const COMPONENT_OF_SERVICE: Readonly<Record<string, Component>> = {
  [SERVICE.deliver]: 'deliverer',
  [SERVICE.dlq]: 'dlq',
  [SERVICE.commit]: 'commit',
  [SERVICE.notify]: 'notifier',
  [SERVICE.poller]: 'poller',
};

/** The suffix Secrets Manager appends to a secret's name in its ARN (any six characters). */
const SECRET_SUFFIX = 'Ab12Cd';

/** A recorded Glue call with the schema its version id belongs to (recordings.ts glueSchemasOf). */
export type GlueCall = RecordedCall & {
  readonly schema?: { readonly registry: string; readonly name: string };
};

/** A role's label in messages: `deliverer of route orders (role DeliverRole1234)`. */
export function roleLabel(role: Pick<ComponentRole, 'component' | 'route' | 'roleId'>): string {
  return `${role.component}${role.route === undefined ? '' : ` of route ${role.route}`} (role ${role.roleId})`;
}

/** Each bridge component's role in the template: functions by their service name, the poller's task role. */
export function componentRoles(template: CfnTemplate, deployment: Deployment): ComponentRole[] {
  const resolver = new TemplateResolver(template, deployment);
  const roles: ComponentRole[] = [];
  const add = (service: unknown, route: unknown, roleReference: unknown) => {
    const component = COMPONENT_OF_SERVICE[String(service)];
    if (component === undefined) return;
    const roleId = TemplateResolver.roleIdOf(roleReference);
    roles.push({
      component,
      ...(typeof route === 'string' ? { route } : {}),
      roleId,
      statements: resolver.roleStatements(roleId),
      managedPolicies: resolver.managedPolicies(roleId),
    });
  };
  for (const resource of Object.values(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') {
      const env = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      add(env[ENV.serviceName], env[ENV.routeName], p.Role);
    } else if (resource.Type === 'AWS::ECS::TaskDefinition') {
      for (const container of (p.ContainerDefinitions ?? []) as {
        Environment?: { Name: string; Value: unknown }[];
      }[]) {
        const service = container.Environment?.find((e) => e.Name === ENV.serviceName)?.Value;
        add(service, undefined, p.TaskRoleArn);
      }
    }
  }
  return roles;
}

/** The role that makes a recorded call, or undefined when the template has none for its component. */
export function roleOf(roles: readonly ComponentRole[], call: RecordedCall): ComponentRole | undefined {
  return roles.find((role) => role.component === call.component && role.route === call.route);
}

/** The IAM requests of one recorded call (a batch over several tables is one per table). */
export function requestsOf(
  call: RecordedCall,
  deployment: Pick<Deployment, 'account' | 'region'>,
): Request[] {
  const { account, region } = deployment;
  const action = `${call.service}:${call.action}`;
  switch (call.service) {
    case 'sqs':
      return [{ action, resource: `arn:aws:sqs:${region}:${account}:${call.queue ?? '*'}` }];
    case 'dynamodb':
      return (call.table ?? '*').split(',').map((table) => ({
        action,
        resource: `arn:aws:dynamodb:${region}:${account}:table/${table}`,
        context: { 'dynamodb:LeadingKeys': call.leadingKeys ?? [] },
      }));
    case 's3':
      return call.key === undefined
        ? [
            {
              action,
              resource: `arn:aws:s3:::${call.bucket}`,
              context: { 's3:prefix': call.prefix === undefined ? [] : [call.prefix] },
            },
          ]
        : [{ action, resource: `arn:aws:s3:::${call.bucket}/${call.key}` }];
    case 'secretsmanager': {
      const id = call.secret ?? '*';
      const arn = id.startsWith('arn:')
        ? id
        : `arn:aws:secretsmanager:${region}:${account}:secret:${id}-${SECRET_SUFFIX}`;
      return [{ action, resource: arn }];
    }
    case 'lambda': {
      const fn = call.function ?? '*';
      return [
        {
          action,
          resource: fn.startsWith('arn:') ? fn : `arn:aws:lambda:${region}:${account}:function:${fn}`,
        },
      ];
    }
    case 'ssm':
      // A parameter whose name starts with `/` has it once in its ARN: `parameter/a/b`.
      return [{ action, resource: `arn:aws:ssm:${region}:${account}:parameter${call.parameter ?? '/*'}` }];
    case 'glue': {
      // GetSchemaVersion by version id: the registry and the schema the version belongs to
      // (`schema`, resolved by the registry itself: glueSchemasOf in recordings.ts).
      const schema = (call as GlueCall).schema;
      if (schema === undefined) return [{ action, resource: '*' }];
      const arn = (resource: string) => `arn:aws:glue:${region}:${account}:${resource}`;
      return [
        { action, resource: arn(`registry/${schema.registry}`) },
        { action, resource: arn(`schema/${schema.registry}/${schema.name}`) },
      ];
    }
    default:
      return [{ action, resource: '*' }];
  }
}

/** A call's one-line description for failure messages. */
export function describeCall(call: RecordedCall): string {
  const { component, route, service, action, ...target } = call;
  return `${service}:${action} ${JSON.stringify(target)}`;
}

/** Calls the role does not allow, each named with the role. */
export function deniedCalls(
  roles: readonly ComponentRole[],
  calls: readonly RecordedCall[],
  deployment: Pick<Deployment, 'account' | 'region'>,
): string[] {
  const problems: string[] = [];
  for (const call of calls) {
    const role = roleOf(roles, call);
    if (role === undefined) {
      problems.push(
        `${describeCall(call)} by ${call.component}${call.route ? ` of route ${call.route}` : ''}: no such role in the template`,
      );
      continue;
    }
    for (const request of requestsOf(call, deployment)) {
      const decision = evaluate(role.statements, request);
      if (decision.decision !== 'allowed')
        problems.push(
          `${describeCall(call)} is denied (${decision.decision}) to the ${roleLabel(role)}: ${request.action} on ${request.resource}`,
        );
    }
  }
  return problems;
}

/**
 * Granted actions no recorded call of the role used, per statement: `role: action on resources`.
 * `expected` says which unused grants are not the runtime's to use (the event source mapping's).
 */
export function unusedGrants(
  roles: readonly ComponentRole[],
  calls: readonly RecordedCall[],
  deployment: Pick<Deployment, 'account' | 'region'>,
  expected: (role: ComponentRole, action: string, statement: Statement) => boolean,
): string[] {
  const unused: string[] = [];
  for (const role of roles) {
    const requests = calls
      .filter((call) => roleOf([role], call) !== undefined)
      .flatMap((call) => requestsOf(call, deployment));
    for (const statement of role.statements) {
      if (statement.Effect !== 'Allow') continue;
      const actions = typeof statement.Action === 'string' ? [statement.Action] : (statement.Action ?? []);
      for (const action of actions) {
        if (expected(role, action, statement)) continue;
        const used = requests.some((request) => statementMatches({ ...statement, Action: action }, request));
        if (!used) unused.push(`${roleLabel(role)}: ${action} on ${JSON.stringify(statement.Resource)}`);
      }
    }
  }
  return unused;
}

/**
 * What kind of call this is, route names aside: component, action and the kind of resource
 * (queue/DLQ/redrive/events queue, completion/attempts/breaker/quarantine/lease items, payload
 * or archive objects, a secret). Two runs with other route names compare by these.
 */
export function callKind(call: RecordedCall): string {
  const kinds = (): string[] => {
    switch (call.service) {
      case 'sqs': {
        const queue = call.queue ?? '';
        if (queue.endsWith('-dlq.fifo')) return ['dlq'];
        if (queue.endsWith('-redrive.fifo')) return ['redrive queue'];
        return [queue.endsWith('.fifo') ? 'route queue' : 'events queue'];
      }
      case 'dynamodb':
        return (call.leadingKeys ?? []).map(
          (key) => /^(attempts|breaker|quarantine|lease)#/.exec(key)?.[1] ?? 'completion',
        );
      case 's3':
        return [(call.key ?? call.prefix ?? '').split('/')[0] ?? ''];
      default:
        return [call.service];
    }
  };
  return `${call.component} ${call.service}:${call.action} ${[...new Set(kinds())].sort().join('+')}`;
}

import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Lets the stack's CloudWatch alarms publish to the alarm topic. A topic policy replaces the
 * topic's default policy, and `enforceSSL` creates one holding only its Deny: without this
 * statement no statement allows `cloudwatch.amazonaws.com` to publish, and every alarm action
 * fails in AWS. Scoped against the confused deputy: this account's alarms whose names start with
 * the stack's name (every alarm of the bridge is named `<stack>-...`).
 */
export function allowAlarmPublish(topic: sns.Topic): void {
  const stackName = Stack.of(topic).stackName;
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisStack',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: {
          'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${stackName}-*`,
        },
      },
    }),
  );
}

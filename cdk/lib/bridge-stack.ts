import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KafkaBridge, type KafkaBridgeProps } from './kafka-bridge.ts';

export interface BridgeStackProps extends StackProps {
  readonly bridge: KafkaBridgeProps;
}

/** One deployment of the bridge: a stack holding one KafkaBridge. */
export class BridgeStack extends Stack {
  readonly bridge: KafkaBridge;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    this.bridge = new KafkaBridge(this, 'Bridge', props.bridge);
    // What operators need after a deploy: the security group to allow on the brokers, where
    // alarms go (to subscribe), and the bucket and table the CLI reads.
    new CfnOutput(this, 'KafkaClientSecurityGroupId', {
      value: this.bridge.kafkaClientSecurityGroup.securityGroupId,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.bridge.alarmTopic.topicArn });
    new CfnOutput(this, 'BucketName', { value: this.bridge.bucket.bucketName });
    new CfnOutput(this, 'CompletionTableName', { value: this.bridge.completionTable.tableName });
  }
}

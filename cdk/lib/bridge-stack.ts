import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KafkaBridge, type KafkaBridgeProps } from './kafka-bridge.ts';

export interface BridgeStackProps extends StackProps {
  readonly bridge: KafkaBridgeProps;
  /**
   * Look the account's availability zones up at synth (an AWS call, so credentials; the CDK CLI
   * caches the answer in cdk.context.json). Default false: the VPC the bridge creates spans the
   * region's first two zones as CloudFormation resolves them at deploy (`Fn::GetAZs`), so a stack
   * with an explicit `env: { account, region }` synthesizes with no credentials, like one without.
   */
  readonly lookupAvailabilityZones?: boolean;
}

/** One deployment of the bridge: a stack holding one KafkaBridge. */
export class BridgeStack extends Stack {
  readonly bridge: KafkaBridge;
  private readonly lookupAzs: boolean;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    this.lookupAzs = props.lookupAvailabilityZones === true;
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

  /** The region's first two zones at deploy time, unless a lookup was asked for (lookupAvailabilityZones). */
  override get availabilityZones(): string[] {
    if (this.lookupAzs === true) return super.availabilityZones;
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }
}

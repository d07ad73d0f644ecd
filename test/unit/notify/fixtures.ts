// Alarm notifications as CloudWatch publishes them to SNS, and SNS events as Lambda receives
// them. The message texts follow AWS's documented format (CloudWatch "Amazon SNS event
// destinations"; Lambda "Using Lambda with Amazon SNS") and the shape of real notifications:
// compact JSON, lowercase `name`/`value` dimensions, `Unit: null`, the region as a long name
// (the code is only in AlarmArn), `+0000` offsets, and `Trigger.Metrics` for metric-math alarms.
import type { SNSEvent, SQSEvent } from 'aws-lambda';
import type { Notification } from '../../../lib/notify/input.ts';
import type { Notifier } from '../../../lib/notify/notifier.ts';

export const ACCOUNT = '123456789012';
export const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV`;

/** The DLQ of route `orders` got a message: an SQS metric, the route only in the queue name. */
export const DLQ_ALARM_MESSAGE =
  '{"AlarmName":"KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6","AlarmDescription":"Route orders: records are in the dead-letter queue","AWSAccountId":"123456789012","AlarmConfigurationUpdatedTimestamp":"2026-11-20T14:02:11.871+0000","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [3.0 (23/11/26 09:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime":"2026-11-23T09:01:12.345+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6","OldStateValue":"OK","OKActions":["arn:aws:sns:eu-west-1:123456789012:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV"],"AlarmActions":["arn:aws:sns:eu-west-1:123456789012:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV"],"InsufficientDataActions":[],"Trigger":{"MetricName":"ApproximateNumberOfMessagesVisible","Namespace":"AWS/SQS","StatisticType":"Statistic","Statistic":"MAXIMUM","Unit":null,"Dimensions":[{"value":"orders-dlq.fifo","name":"QueueName"}],"Period":60,"EvaluationPeriods":1,"DatapointsToAlarm":1,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Threshold":1.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":""}}';

/** Commit lag of route `payments` grew for 15 minutes: a metric-math alarm on the bridge's own metric. */
export const LAG_ALARM_MESSAGE =
  '{"AlarmName":"KafkaBridgeStack-BridgeRoutepaymentsCommitLagRising9F8E7D6C-ZXCVBNM12345","AlarmDescription":"Route payments: commit lag (mps.commit.lag) grew for 15 minutes in a row","AWSAccountId":"123456789012","AlarmConfigurationUpdatedTimestamp":"2026-11-20T14:02:11.871+0000","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 15 out of the last 15 datapoints [120.0 (23/11/26 09:14:00), 95.0 (23/11/26 09:13:00), 80.0 (23/11/26 09:12:00)] were greater than the threshold (0.0) (minimum 15 datapoints for OK -> ALARM transition).","StateChangeTime":"2026-11-23T09:15:40.002+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KafkaBridgeStack-BridgeRoutepaymentsCommitLagRising9F8E7D6C-ZXCVBNM12345","OldStateValue":"OK","OKActions":[],"AlarmActions":["arn:aws:sns:eu-west-1:123456789012:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV"],"InsufficientDataActions":[],"Trigger":{"Period":60,"EvaluationPeriods":15,"DatapointsToAlarm":15,"ComparisonOperator":"GreaterThanThreshold","Threshold":0.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":"","Metrics":[{"Expression":"DIFF(lag)","Id":"expr_1","Label":"commit lag change","ReturnData":true},{"Id":"lag","MetricStat":{"Metric":{"Dimensions":[{"value":"payments","name":"route"}],"MetricName":"mps.commit.lag","Namespace":"KafkaBridge"},"Period":60,"Stat":"Maximum"},"ReturnData":false}]}}';

/** The deliverer of route `orders` recovered: a Lambda metric, the route only in the description. */
export const DELIVER_OK_MESSAGE =
  '{"AlarmName":"KafkaBridgeStack-BridgeRouteordersDeliverErrors5A6B7C8D-POIUYTREWQ98","AlarmDescription":"Route orders: the deliver function failed (unhandled errors or timeouts)","AWSAccountId":"123456789012","AlarmConfigurationUpdatedTimestamp":"2026-11-20T14:02:11.871+0000","NewStateValue":"OK","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [0.0 (23/11/26 09:20:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).","StateChangeTime":"2026-11-23T09:25:03.118+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KafkaBridgeStack-BridgeRouteordersDeliverErrors5A6B7C8D-POIUYTREWQ98","OldStateValue":"ALARM","OKActions":["arn:aws:sns:eu-west-1:123456789012:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV"],"AlarmActions":["arn:aws:sns:eu-west-1:123456789012:KafkaBridgeStack-BridgeAlarms6E2A7B1F-Xq3LmN8pR2tV"],"InsufficientDataActions":[],"Trigger":{"MetricName":"Errors","Namespace":"AWS/Lambda","StatisticType":"Statistic","Statistic":"SUM","Unit":null,"Dimensions":[{"value":"KafkaBridgeStack-BridgeRouteordersDeliver3E4F5A6B-abcDEF123456","name":"FunctionName"}],"Period":300,"EvaluationPeriods":1,"DatapointsToAlarm":1,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Threshold":1.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":""}}';

/** The poller of route `orders` stopped polling; missing data counts as breaching. */
export const HEARTBEAT_INSUFFICIENT_MESSAGE =
  '{"AlarmName":"KafkaBridgeStack-BridgeRouteordersPollerHeartbeatMissing11223344-AABBCCDDEEFF","AlarmDescription":"Route orders: no poller heartbeat (mps.poller.heartbeat) for 5 minutes","AWSAccountId":"123456789012","NewStateValue":"INSUFFICIENT_DATA","NewStateReason":"Insufficient Data: 1 datapoint was unknown.","StateChangeTime":"2026-11-23T09:30:00.000+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KafkaBridgeStack-BridgeRouteordersPollerHeartbeatMissing11223344-AABBCCDDEEFF","OldStateValue":"OK","Trigger":{"MetricName":"mps.poller.heartbeat","Namespace":"KafkaBridge","StatisticType":"Statistic","Statistic":"MAXIMUM","Unit":null,"Dimensions":[{"value":"orders","name":"route"},{"value":"kafka-bridge-poller","name":"service"}],"Period":300,"EvaluationPeriods":1,"ComparisonOperator":"LessThanThreshold","Threshold":1.0,"TreatMissingData":"breaching","EvaluateLowSampleCountPercentile":""}}';

/** The commit function failed: an alarm of the bridge as a whole, no route. */
export const COMMIT_ERRORS_MESSAGE =
  '{"AlarmName":"KafkaBridgeStack-BridgeCommitErrors77665544-LKJHGFDSAQWE","AlarmDescription":"The commit function failed: offsets do not move for some routes","AWSAccountId":"123456789012","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [4.0 (23/11/26 09:35:00)] was greater than or equal to the threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime":"2026-11-23T09:40:00.000+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KafkaBridgeStack-BridgeCommitErrors77665544-LKJHGFDSAQWE","OldStateValue":"OK","Trigger":{"MetricName":"Errors","Namespace":"AWS/Lambda","StatisticType":"Statistic","Statistic":"SUM","Unit":null,"Dimensions":[{"value":"KafkaBridgeStack-BridgeCommit1A2B3C4D-qwe123","name":"FunctionName"}],"Period":300,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Threshold":3.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":""}}';

/** An SNS event as Lambda receives it: one record whose Message is the alarm JSON as text. */
export function snsEvent(
  message: string,
  subject = 'ALARM: "KafkaBridgeStack-BridgeRoute..." in EU (Ireland)',
): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: TOPIC_ARN,
          Subject: subject,
          Message: message,
          Timestamp: '2026-11-23T09:01:12.412Z',
          SignatureVersion: '1',
          Signature:
            'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
          SigningCertUrl:
            'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem',
          UnsubscribeUrl: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** An SQS event (a batch of the notifier's dead-letter queue) with these bodies. */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `0e6c1b2e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      receiptHandle: `handle-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1795424472000',
        SenderId: 'AROAEXAMPLE:kafka-bridge-deliver',
        ApproximateFirstReceiveTimestamp: '1795424472100',
      },
      messageAttributes: {},
      md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:eu-west-1:${ACCOUNT}:kafka-bridge-notify`,
      awsRegion: 'eu-west-1',
    })),
  };
}

/** A dead-letter event body as the deliverer publishes it. */
export function deadLetterBody(route: string, offset: number, reason: string, at: string): string {
  return JSON.stringify({
    kind: 'dead-letter',
    route,
    recordId: `${route}/orders.v1/3/${offset}`,
    reason,
    at,
  });
}

/** A notifier that posts nothing and keeps what it was given in `posted`. */
export function recordingNotifier(posted: Notification[]): Notifier {
  return {
    notify: async (notifications: readonly Notification[]) => {
      posted.push(...notifications);
      return { sent: notifications.length, failed: 0 };
    },
  } as unknown as Notifier;
}

import { Kafka, type KafkaConfig as KafkajsConfig, type logCreator, logLevel } from 'kafkajs';
import type { SecretReader } from '../aws/secrets.ts';
import type { KafkaConfig } from '../config/index.ts';
import { saslOptions, tlsOptions } from './auth.ts';
import './idle-timer.ts';

export { mskIamTokenProvider } from './auth.ts';

/** kafkajs's log levels by name, for callers that do not import kafkajs. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';
export function kafkaLogLevel(name: KafkaLogLevel): logLevel {
  const levels = {
    nothing: logLevel.NOTHING,
    error: logLevel.ERROR,
    warn: logLevel.WARN,
    info: logLevel.INFO,
    debug: logLevel.DEBUG,
  };
  return levels[name];
}

export interface KafkaClientOptions {
  /** Reads the SCRAM or mTLS secret; needed only when the config names one. */
  readonly secrets?: SecretReader;
  /** Overrides the config's client id (e.g. `<route>-poller`) so broker logs tell the parts apart. */
  readonly clientId?: string;
  readonly logLevel?: logLevel;
  /** Routes kafkajs's own log lines into the caller's logger. */
  readonly logCreator?: logCreator;
}

/**
 * The one place a kafkajs client is made from the bridge's Kafka config: every part (poller,
 * commit function, CLI) connects the same way, auth included (lib/kafka/auth.ts reads the
 * SCRAM or mTLS secret).
 */
export async function createKafkaClient(
  config: KafkaConfig,
  options: KafkaClientOptions = {},
): Promise<Kafka> {
  const kafkajs: KafkajsConfig = {
    clientId: options.clientId ?? config.clientId ?? 'kafka-endpoint-bridge',
    brokers: [...config.brokers],
    ssl: await tlsOptions(config, options.secrets),
    logLevel: options.logLevel ?? logLevel.WARN,
  };
  if (options.logCreator) kafkajs.logCreator = options.logCreator;
  if (config.sasl) kafkajs.sasl = await saslOptions(config.sasl, options.secrets);
  return new Kafka(kafkajs);
}

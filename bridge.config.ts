// In an app that installs the package: `import { ... } from 'kafka-endpoint-bridge/config'`.
import { brokerList, defineConfig } from './config.ts';

/*
 * The routes of this deployment: what `npx cdk synth` / `npx cdk deploy` deploy (cdk/bin/app.ts)
 * and what the CLI reads by default. The stack validates it in deploy mode (lib/config/deploy.ts):
 * a route's endpoint must be https:// and not a loopback host, brokers must not be loopback, and
 * no URL may carry credentials; a problem fails the synth naming the route and the field.
 *
 * The values below are placeholders, so that a fresh clone synthesizes (docs/deploy.md,
 * "Deploy-mode config checks"): replace the endpoint with your team's, and give the cluster's
 * bootstrap brokers through KAFKA_BROKERS (comma-separated) or `npx cdk synth -c brokers=...`.
 * Local mode runs the same routes through bridge.local.config.ts (local broker, sample endpoint).
 */

/** Stands in for your cluster's bootstrap brokers until KAFKA_BROKERS or `-c brokers=` names them. */
export const PLACEHOLDER_BROKERS = ['b-1.example.kafka.us-east-1.amazonaws.com:9092'];

export default defineConfig({
  kafka: {
    brokers: brokerList(process.env.KAFKA_BROKERS) ?? PLACEHOLDER_BROKERS,
    clientId: 'kafka-endpoint-bridge',
  },
  routes: [
    {
      name: 'orders',
      topics: ['orders'],
      // Placeholder: the team's endpoint. Credentials go in headersSecret, never in the URL.
      endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
      ordering: 'key',
      maxInFlight: 1000,
      onPoison: 'quarantine',
    },
  ],
});

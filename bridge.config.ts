// In an app that installs the package: `import { defineConfig } from 'kafka-endpoint-bridge/config'`.
import { defineConfig } from './config.ts';

/*
 * The routes of this deployment. The CDK stack, the local runner and the CLI all read this
 * file through parseBridgeConfig, which rejects a bad route naming the route and the field.
 * The sample route delivers topic `orders` to the local sample endpoint; a deployed route
 * needs an https:// endpoint (plain http:// is accepted only for local hosts).
 */
export default defineConfig({
  kafka: {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== ''),
    clientId: 'kafka-endpoint-bridge',
  },
  routes: [
    {
      name: 'orders',
      topics: ['orders'],
      endpoint: { type: 'http', url: 'http://127.0.0.1:8787/orders' },
      ordering: 'key',
      maxInFlight: 1000,
      onPoison: 'quarantine',
    },
  ],
});

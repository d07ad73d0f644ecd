import deployed from './bridge.config.ts';
import { brokerList, defineConfig, type RouteInput } from './config.ts';

/*
 * Local mode's view of bridge.config.ts (`npm start -- --config bridge.local.config.ts`, the
 * default of `--route`): the same routes and defaults, with the local broker (KAFKA_BROKERS, else
 * 127.0.0.1:KAFKA_PORT, else 127.0.0.1:9092, as local mode's clients) and every route's endpoint
 * the demo's sample endpoint on port 8787 (`--sample-endpoint 8787`) under /<route>. Plain http://
 * to 127.0.0.1 is fine here: local mode validates in local mode; a deployed stack refuses it.
 */
const localBrokers = brokerList(process.env.KAFKA_BROKERS) ?? [
  `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`,
];

const localRoute = (route: RouteInput): RouteInput => ({
  ...route,
  endpoint: { type: 'http', url: `http://127.0.0.1:8787/${route.name}` },
});

export default defineConfig({
  ...deployed,
  kafka: {
    brokers: localBrokers,
    ...(deployed.kafka.clientId === undefined ? {} : { clientId: deployed.kafka.clientId }),
  },
  routes: deployed.routes.map(localRoute),
});

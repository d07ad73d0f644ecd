// The route of the unit tests' fakes: `orders` on topic `orders` to an https endpoint, every
// default applied by the config's own parser, with `overrides` merged into the route input.
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';

export function ordersRoute(overrides: Record<string, unknown> = {}): Route {
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name: 'orders',
        topics: ['orders'],
        endpoint: { type: 'http', url: 'https://a.example.com/' },
        ...overrides,
      },
    ],
  });
  return config.routes[0] as Route;
}

import { Duration, NestedStack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { RouteResources } from './route-resources.ts';

/**
 * Routes per dashboard page. A route's row is four widgets and its graphs read three names from
 * the route's stack (queue, DLQ, deliverer), each a parameter of the page's nested stack:
 * 50 routes are 200 widgets (CloudWatch allows 500 a dashboard) and 150 parameters
 * (CloudFormation allows 200 a stack). One page holds every route of most deployments.
 */
export const ROUTES_PER_DASHBOARD = 50;

/** The dashboard's time range when opened. */
const DEFAULT_INTERVAL = Duration.hours(3);

/**
 * The routes' dashboards: a row per route, pages of ROUTES_PER_DASHBOARD routes in route order,
 * each page in a nested stack of its own (a row is about 3 KB of template with its references:
 * 200 routes in the parent would pass CloudFormation's 1 MB template limit). Pages hold no
 * state: adding a route may move others to the next page, which only redraws dashboards.
 */
export function routeDashboards(scope: Construct, routes: readonly RouteResources[]): cloudwatch.Dashboard[] {
  const dashboards: cloudwatch.Dashboard[] = [];
  for (let start = 0; start < routes.length; start += ROUTES_PER_DASHBOARD) {
    const page = routes.slice(start, start + ROUTES_PER_DASHBOARD);
    const number = start / ROUTES_PER_DASHBOARD + 1;
    const stack = new NestedStack(scope, `RouteDashboard${number}`, {
      description: `kafka-endpoint-bridge dashboard of routes ${page[0]?.route.name} to ${page.at(-1)?.route.name}`,
    });
    dashboards.push(
      new cloudwatch.Dashboard(stack, 'Dashboard', {
        defaultInterval: DEFAULT_INTERVAL,
        widgets: page.map((routeResources) => routeResources.dashboardWidgets()),
      }),
    );
  }
  return dashboards;
}

/** The bridge's own dashboard: the shared parts (commit function, poller). */
export function sharedDashboard(scope: Construct, widgets: cloudwatch.IWidget[]): cloudwatch.Dashboard {
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: DEFAULT_INTERVAL,
    widgets: [widgets],
  });
}

/**
 * What a module calls on AWS, declared next to the calls so the CDK construct grants each role
 * exactly what its modules call (cdk/lib/grants.ts) and the list cannot drift from the code.
 * test/integration/iam-recorded-calls.test.ts records the calls the components really make and
 * checks them against the synthesized roles, so a call a module adds without declaring it fails there.
 */

/** Calls on the completions table, limited to the partition keys the module writes for a route. */
export interface TableAccess {
  /** IAM actions (`dynamodb:GetItem`, ...). */
  readonly actions: readonly string[];
  /** The partition keys (IAM `dynamodb:LeadingKeys` patterns, `*` a wildcard) of one route. */
  readonly leadingKeys: (route: string) => readonly string[];
}

/** Calls on the bridge bucket, limited to key prefixes of one route. */
export interface BucketAccess {
  readonly actions: readonly string[];
  /** The object key prefix of one route (the grant is `<prefix>*`). */
  readonly prefix: (route: string) => string;
}

/** Calls on a queue or a secret: the resource is the caller's to name. */
export interface ResourceAccess {
  readonly actions: readonly string[];
}

/** What one component calls on the shared table and bucket for a route, by the modules it wires. */
export interface RouteDataAccess {
  readonly table: readonly TableAccess[];
  readonly bucket: readonly BucketAccess[];
}

/*
 * What the alarm tests (test/e2e/alarms.test.ts and the per-feature ones beside it) share: the
 * time scale of their recorded runs and the placeholders a synthesized app names for what the
 * local world replaces (test/support/shipped.ts resolves them).
 */

/**
 * A deployed minute is two seconds here. Not one: a commit run takes up to about a second on
 * the 2-core machine, and its datapoints are stamped when it ends, so a one-second period would
 * sometimes hold none (a deployed run takes about a second of a one-minute period).
 */
export const ALARM_TIME_SCALE = 30;
/** The endpoint an alarm test's app names; the local world's endpoint (or none) stands in. */
export const PLACEHOLDER_ENDPOINT = 'https://alarms.example.com/kafka';
/** The broker an alarm test's app names; the local broker stands in. */
export const PLACEHOLDER_BROKER = 'broker.example.com:9092';

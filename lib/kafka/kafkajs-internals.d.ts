// The one kafkajs internal the bridge touches (lib/kafka/idle-timer.ts): its request queue.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  interface RequestQueue {
    readonly pending: readonly unknown[];
    scheduleCheckPendingRequests(this: RequestQueue): void;
  }
  const RequestQueue: { prototype: RequestQueue };
  export default RequestQueue;
}

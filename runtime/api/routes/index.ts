export { createQueuesRouter, type QueuesRouterDeps } from "./queues-router";

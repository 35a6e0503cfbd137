export { type CampaignsRouterDeps, createCampaignsRouter } from "./campaigns-router";
export { createQueuesRouter, type QueuesRouterDeps } from "./queues-router";

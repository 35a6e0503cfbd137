// Preloaded into a chatia-flow process by tests (`NODE_OPTIONS=--require …`). Every ioredis
// client of the process names its connection `<name>@<pid>`, so a test can find (and kill) this
// process's connections among the shared Redis's; a client whose name is listed in
// $CHATIA_TEST_REDIS_GIVES_UP (comma-separated) does not reconnect once its connection is lost:
// ioredis's retryStrategy gives up and the client ends for good (`end`), as a client whose
// reconnect failed for good does.
"use strict";
const { Redis } = require("ioredis");

const givesUp = new Set((process.env.CHATIA_TEST_REDIS_GIVES_UP ?? "").split(",").filter(Boolean));
const setStatus = Redis.prototype.setStatus;
Redis.prototype.setStatus = function (status, arg) {
  const name = this.options.connectionName;
  if (status === "connecting" && typeof name === "string" && !name.includes("@")) {
    if (givesUp.has(name)) this.options.retryStrategy = () => null;
    this.options.connectionName = `${name}@${process.pid}`;
  }
  return setStatus.call(this, status, arg);
};

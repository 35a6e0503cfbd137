// The runtime's HTTP server: health endpoints and the Node-RED editor (the API joins here).
import http from "node:http";
import type { AddressInfo } from "node:net";
import express, { type RequestHandler } from "express";

export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  readonly checks: readonly HealthCheck[];
  /** Each check of /readyz that has not answered within this many ms counts as down. @defaultValue 2000 */
  readonly checkTimeoutMs?: number;
  /** Run before every route, in order (request ids, security headers, CORS). */
  readonly middleware?: readonly RequestHandler[];
  /** Express's `trust proxy` (whose X-Forwarded-For gives `req.ip`). @defaultValue false */
  readonly trustProxy?: boolean | number | string;
}

export interface HttpServer {
  readonly server: http.Server;
  readonly app: express.Express;
  /** Base URL, e.g. http://127.0.0.1:8080 (with the real port when 0 was asked). */
  readonly url: string;
  mount(path: string, handler: RequestHandler): void;
  close(): Promise<void>;
}

/** Creates the app and the server (not listening yet: Node-RED needs the server first). */
export function createHttpServer(
  options: HttpOptions,
): Omit<HttpServer, "url"> & { listen(): Promise<string> } {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  for (const handler of options.middleware ?? []) app.use(handler);
  app.get("/livez", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const down: { name: string; error: string }[] = [];
    await Promise.all(
      options.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), options.checkTimeoutMs ?? 2000);
        } catch (err) {
          down.push({ name: c.name, error: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    res
      .status(down.length === 0 ? 200 : 503)
      .json({ status: down.length === 0 ? "ready" : "unavailable", down });
  });
  const server = http.createServer(app);
  return {
    app,
    server,
    mount: (path, handler) => {
      app.use(path, handler);
    },
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
          const { port } = server.address() as AddressInfo;
          resolve(
            `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
          );
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

// Security headers (helmet) and CORS for the runtime's HTTP server. The API and everything else
// get helmet's strict defaults; the two browser UIs (the Node-RED editor and the admin pages with
// Bull Board) get a policy that lets them run: Node-RED inserts each node's inline <script> and
// its editor (Monaco) evaluates code and starts workers from blobs.
import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";

export interface SecurityOptions {
  /** Path prefixes of browser UIs (e.g. "/flows", "/admin"); they get the UI policy. */
  readonly uiPaths: readonly string[];
}

/** `default-src 'self'` and no inline script anywhere but the UIs; no `upgrade-insecure-requests`
 * (a deployment on plain HTTP inside a network would lose its own scripts to it). */
export function securityHeaders(options: SecurityOptions): RequestHandler {
  const strict = helmet({
    contentSecurityPolicy: {
      directives: {
        "upgrade-insecure-requests": null,
        "style-src": ["'self'"],
        "font-src": ["'self'"],
      },
    },
  });
  const ui = helmet({
    contentSecurityPolicy: {
      directives: {
        "upgrade-insecure-requests": null,
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
        // The editor's markup carries inline event handlers (onclick=…).
        "script-src-attr": ["'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'", "https://fonts.googleapis.com"],
        "font-src": ["'self'", "data:", "https://fonts.gstatic.com"],
        "img-src": ["'self'", "data:", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
      },
    },
  });
  const prefixes = options.uiPaths.filter((p) => p !== "" && p !== "/");
  const isUi = (path: string) =>
    prefixes.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`));
  return (req, res, next) => (isUi(req.path) ? ui : strict)(req, res, next);
}

/**
 * CORS for `/api`: closed (no CORS headers; browsers keep other origins out) unless `origins`
 * lists some. Preflights are answered here, before authentication.
 */
export function apiCors(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  const allow = cors({
    origin: [...origins],
    credentials: false,
    allowedHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
    exposedHeaders: [
      "X-Request-Id",
      "WWW-Authenticate",
      "Retry-After",
      "RateLimit",
      "RateLimit-Policy",
    ],
    maxAge: 600,
  });
  return (req, res, next) =>
    req.path === "/api" || req.path.startsWith("/api/") ? allow(req, res, next) : next();
}

// What reaches a log line: secrets and phone numbers never do; a failed job's line names the job,
// its queue and company; the CORS origins setting refuses what is not an origin.
import { Writable } from "node:stream";
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { corsOrigins } from "../../../runtime/app/config";
import { ChatiaError } from "../../../runtime/errors";
import { requestLog } from "../../../runtime/http/request-log";
import { logJobFailure } from "../../../runtime/observability/job-log";
import { createLogger, maskSecrets } from "../../../runtime/observability/logger";
import { renderTicketTemplate } from "../../../runtime/services/message-template";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ level: "debug", destination }) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("the logger", () => {
  it("redacts secret and phone fields at any of the first levels", async () => {
    const { lines, log } = capture();
    log.info(
      {
        password: "p4ss",
        contact: { number: "5511999990000", name: "Ana" },
        auth: { session: { accessToken: "eyJx.eyJy.z" } },
        req: { headers: { authorization: "Bearer abc", cookie: "chatia_token=abc" } },
      },
      "login",
    );
    await flush();
    const text = JSON.stringify(lines[0]);
    for (const secret of ["p4ss", "5511999990000", "eyJx", "Bearer abc", "chatia_token"])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ contact: { name: "Ana", number: "[redacted]" } });
  });

  it("masks phone numbers, WhatsApp ids and tokens inside messages and errors", async () => {
    const { lines, log } = capture();
    log.warn("could not send to +55 11 99999-0000 (5511999990000@s.whatsapp.net)");
    log.error(
      { err: new Error("token cfa_abcdefgh123 refused for 551199999000") },
      "request with Bearer eyJhbGciOi.eyJzdWIiOjF9.sig failed",
    );
    await flush();
    expect(lines[0]?.msg).toBe("could not send to [phone] ([phone])");
    expect(lines[1]?.msg).toBe("request with Bearer [token] failed");
    const err = lines[1]?.err as { message: string; stack: string };
    expect(err.message).toBe("token [token] refused for [phone]");
    expect(err.stack).not.toContain("551199999000");
  });

  it("shows a user error without its stack, any other error with it", async () => {
    const { lines, log } = capture();
    log.error({ err: new ChatiaError("CF_JOB_BAD_PAYLOAD", "data/number: required") }, "refused");
    log.error({ err: new ChatiaError("CF_REDIS_CONNECT", "no answer") }, "down");
    log.error({ err: new Error("bug") }, "bug");
    await flush();
    expect(lines.map((l) => "stack" in (l.err as object))).toEqual([false, true, true]);
    expect(lines[0]?.err).toMatchObject({
      message: "data/number: required",
      code: "CF_JOB_BAD_PAYLOAD",
    });
  });

  it("keeps ordinary numbers: ids, durations, short codes, dates, job ids", () => {
    for (const text of [
      "job 12345 took 873 ms, company 7, status 413",
      "due at 2026-03-02 12:00:00 (2026-03-02T12:00:00.000Z)",
      "job schedule-12-1764287000000 enqueued",
    ])
      expect(maskSecrets(text)).toBe(text);
  });

  it("masks the usual ways of writing a phone number", () => {
    for (const phone of [
      "+55 (11) 99999-0000",
      "(11) 99999-0000",
      "5511999990000",
      "+5511999990000",
      "55 11 9 9999 0000",
      "5511999990000@s.whatsapp.net",
      "120363025246125888@g.us",
    ])
      expect(maskSecrets(`to ${phone}.`), phone).toBe("to [phone].");
  });
});

describe("a failed job's log line", () => {
  const plan = { queue: "SendSacheduledMessages", name: "SendMessage", options: { attempts: 3 } };

  it("names the job, queue and company, and says whether it will be retried", async () => {
    const { lines, log } = capture();
    const job = { id: 42, attemptsMade: 0, data: { companyId: 7, scheduleId: 1 } };
    logJobFailure(log, job, plan, new ChatiaError("CF_JOB_TIMEOUT", "no answer"));
    logJobFailure(log, { ...job, attemptsMade: 2 }, plan, new Error("boom"));
    logJobFailure(log, job, plan, new ChatiaError("CF_JOB_BAD_PAYLOAD", "bad"));
    await flush();
    expect(lines.map((l) => [l.level, l.jobId, l.queue, l.job, l.companyId, l.attempt])).toEqual([
      [40, "42", "SendSacheduledMessages", "SendMessage", 7, 1],
      [50, "42", "SendSacheduledMessages", "SendMessage", 7, 3],
      [50, "42", "SendSacheduledMessages", "SendMessage", 7, 1],
    ]);
    expect(lines[0]).toMatchObject({
      code: "CF_JOB_TIMEOUT",
      msg: expect.stringMatching(/retried/),
    });
  });

  it("says each thing of its error once: a cause the message quotes is not repeated", async () => {
    const { lines, log } = capture();
    const job = { id: 43, attemptsMade: 0, data: {} };
    let invalid: unknown;
    try {
      renderTicketTemplate("Olá {{#name}}, seu ticket chegou", {
        now: new Date(),
        timeZone: "UTC",
      });
    } catch (err) {
      invalid = err;
    }
    logJobFailure(log, job, plan, invalid);
    const wrapped = new ChatiaError("CF_FLOW_ERROR", "the flow failed", {
      cause: new Error("socket hang up"),
    });
    logJobFailure(log, job, plan, wrapped);
    await flush();
    expect(lines.map((l) => (l.err as { message: string }).message)).toEqual([
      'the message template is not valid Mustache: Unclosed section "name" at 32',
      "the flow failed: socket hang up",
    ]);
  });
});

describe("the request log", () => {
  it("writes one debug line per request with its id, path without query, status and time; a 5xx at warn", async () => {
    const { lines, log } = capture();
    const app = express();
    app.use(requestLog(log));
    app.get("/api/thing", (_req, res) => {
      res.status(404).json({});
    });
    app.get("/livez", (_req, res) => {
      res.json({});
    });
    app.get("/api/broken", (_req, res) => {
      res.status(503).json({});
    });
    const res = await request(app).get("/api/thing?token=abc").set("x-request-id", "r-1");
    await request(app).get("/livez");
    await request(app).get("/api/broken");
    await flush();
    expect(res.headers["x-request-id"]).toBe("r-1");
    expect(lines[0]).toMatchObject({
      level: 20,
      reqId: "r-1",
      method: "GET",
      path: "/api/thing",
      status: 404,
    });
    expect(JSON.stringify(lines)).not.toContain("abc");
    expect(lines[1]).toMatchObject({ level: 20, path: "/livez" });
    expect(lines[2]).toMatchObject({ level: 40, path: "/api/broken", msg: "request failed" });
  });
});

describe("CHATIA_CORS_ORIGINS", () => {
  it("is closed when unset, and lists origins", () => {
    expect(corsOrigins(undefined)).toEqual([]);
    expect(corsOrigins(" https://app.example.com, http://localhost:3000/ ")).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
    ]);
  });

  it("refuses what is not an http(s) origin", () => {
    for (const bad of ["*", "app.example.com", "https://app.example.com/path", "ftp://x.example"])
      expect(() => corsOrigins(bad)).toThrow(
        expect.objectContaining({ code: "CF_CONFIG_INVALID" }),
      );
  });
});

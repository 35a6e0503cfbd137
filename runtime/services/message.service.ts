// Sends one WhatsApp message at most once, and never drops it silently: the send ledger
// ("SendLedger", see the MessageStore) tracks each idempotency key from claim to outcome.
//
//   claim key ─▶ resolve media, check connection ─▶ handed over ─▶ gateway.send ─▶ record
//        │ already `sent`: return the recorded result      │ refused: `failed`, retry may send
//        │ `sending`, owner alive: wait for its outcome     │ timed out / unknown: stays `sending`
//        │                      record (and `failed`) retried while the database fails, ≤ 60 s
//        │ `sending`, owner dead, nothing handed over: take the claim over
//        │ `sending`, owner dead after handing over: CF_SEND_IN_DOUBT, never resent
// The owner shows it is alive (the ledger's `aliveAt`) every CLAIM_HEARTBEAT_MS while it holds the
// claim, so a duplicate racing a live send waits for it instead of calling it in doubt.
import { hostname } from "node:os";
import { ChatiaError, type ErrorCode } from "../errors";
import { type MediaFile, resolveMediaFile } from "./media-file";
import {
  type LedgerClaim,
  type LedgerEntry,
  LedgerNotSendingError,
  type MessageStore,
  type OutgoingRecord,
} from "./ports/message-store";
import {
  type OutgoingMessage,
  type SentMessage,
  toJid,
  type WhatsAppGateway,
} from "./ports/whatsapp-gateway";

/** How often an owner refreshes its claim's sign of life (well inside the store's window). */
export const CLAIM_HEARTBEAT_MS = 3_000;
/** How long a send waits for a live owner of its key before CF_SEND_IN_PROGRESS. */
export const CLAIM_WAIT_MS = 60_000;
/** Between two looks at a live owner's claim. */
const CLAIM_POLL_MS = 200;
/**
 * How long a send WhatsApp accepted keeps trying to record it (its ledger `sent`) while the
 * database fails, e.g. during a Postgres restart: the outcome is known, so it is not left in doubt
 * for a passing outage. Past it the key stays `sending`, in doubt, with what is known noted.
 */
export const RECORD_RETRY_MS = 60_000;
/** The first wait between two attempts to record a send; doubled each time, up to 5 s. */
const RECORD_RETRY_FIRST_MS = 250;

export interface MessageServiceDeps {
  /** The ledger and message records (Postgres). */
  readonly store: MessageStore;
  readonly gateway: WhatsAppGateway;
  /** Root of the companies' media: a company's files are in `<mediaDir>/company<companyId>/`. */
  readonly mediaDir: string;
  /**
   * Waits for the connection's next send slot (its pace, held across every process). Called
   * right before each send, after the database work, so that the gaps WhatsApp sees are the pace's.
   */
  readonly pace?: (connectionId: number) => Promise<void>;
  /**
   * Takes one of the connection's sends of the day (its daily cap, held across every process),
   * or throws CF_WA_DAILY_CAP; resolves to what gives it back (called when WhatsApp refused the
   * message). Called right before every send, paced or not.
   */
  readonly quota?: (connectionId: number) => Promise<(() => Promise<void>) | undefined>;
  /** How long to wait for a live owner of the same key. @defaultValue CLAIM_WAIT_MS */
  readonly claimWaitMs?: number;
  /** How long to keep retrying the record of a sent message. @defaultValue RECORD_RETRY_MS */
  readonly recordRetryMs?: number;
}

export interface SendInput {
  /** The connection to send through (`Whatsapps.id`). */
  readonly whatsappId: number;
  /** Recipient: a phone number with country code (formatting ignored), or a group id. */
  readonly number: string;
  /** The text, sent as given; the caption when there is media. */
  readonly body: string;
  /** A file in the company's media folder (relative to it). @defaultValue null (text only) */
  readonly mediaPath?: string | null;
  /** Address `number` as a group (`@g.us`). @defaultValue false */
  readonly isGroup?: boolean;
  /** When given, the connection must belong to this company. */
  readonly companyId?: number;
  /** Identifies this send across retries, e.g. `MessageQueue:<bull job id>`. */
  readonly idempotencyKey: string;
  /** Record the Message (with its Contact and Ticket). @defaultValue true */
  readonly record?: boolean;
  /**
   * Wait for the connection's send pace before sending. Off for sends that carry their own pacing
   * (a campaign's CampaignSettings). @defaultValue true
   */
  readonly paced?: boolean;
  /**
   * Epoch ms before which it is not sent: the send waits for it after the database work, so the
   * moment WhatsApp sees does not carry the job's start-up latency. @defaultValue none
   */
  readonly notBefore?: number;
  /**
   * The connection's `Whatsapps` row as the caller read it a moment ago (null: none, or deleted),
   * so that it is not read again. @defaultValue read by the send
   */
  readonly connection?: { readonly companyId: number; readonly status: string } | null;
  /**
   * With `record: false`: marks the claimed key `sent` in the caller's own statement, together
   * with the caller's change (e.g. a campaign shipping's `deliveredAt`), so both happen at once
   * and in one round trip. It must accept a key already `sent` with the same WhatsApp id (a retry
   * after a lost reply) and throw LedgerNotSendingError when the key is in any other state.
   * @defaultValue the store's
   */
  readonly recordSent?: (record: { key: string; wid: string; sentAt: Date }) => Promise<void>;
}

export interface SendResult {
  readonly jid: string;
  /** WhatsApp's message id. */
  readonly wid: string;
  /** The recorded Messages row (absent when not recorded). */
  readonly messageId?: number;
  readonly ticketId?: number;
  readonly contactId?: number;
  /** True when an earlier attempt with the same key had sent it: nothing was sent now. */
  readonly alreadySent: boolean;
  /** When WhatsApp accepted the message, ISO 8601. */
  readonly sentAt: string;
}

/** One text message of a batch (MessageService.sendMany). */
export interface BatchMessage {
  readonly whatsappId: number;
  readonly number: string;
  readonly isGroup?: boolean;
  readonly body: string;
  readonly idempotencyKey: string;
}

/**
 * What became of a batch's message: sent (and recorded); `unclaimed` — its key has a ledger row
 * already (an earlier attempt's), so the batch left it alone for send() to decide; or an error
 * (ChatiaError user errors: not sent, settled; others: not sent and `failed`, or in doubt, noted).
 */
export type BatchOutcome =
  | { readonly kind: "sent"; readonly wid: string; readonly sentAt: Date }
  | { readonly kind: "unclaimed" }
  | { readonly kind: "error"; readonly error: unknown };

/** A batch's sends that WhatsApp accepted, for the caller to record in one statement. */
export interface BatchSent {
  readonly key: string;
  readonly wid: string;
  readonly sentAt: Date;
}

/**
 * Errors that prove nothing reached WhatsApp (raised before or refused by it): the key becomes
 * `failed` and a retry may send. Any other error (CF_WA_TIMEOUT, a bug) leaves it in doubt.
 */
const NOT_SENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CF_WA_DISCONNECTED",
  "CF_WA_SEND_FAILED",
  "CF_WA_DAILY_CAP",
  "CF_WA_BAD_RECIPIENT",
  "CF_WA_BAD_MESSAGE",
  "CF_MEDIA_OUTSIDE",
  "CF_MEDIA_MISSING",
]);

interface Prepared {
  readonly input: SendInput;
  readonly jid: string;
  readonly companyId: number;
  readonly connectionStatus: string;
}

/** A claim's owner name: this process and a number unique in it. */
let claims = 0;
function nextOwner(): string {
  claims += 1;
  return `${hostname()} pid ${process.pid} #${claims}`;
}

export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * Sends `input` unless its key was sent before (then returns that result, `alreadySent`).
   * Throws ChatiaError: CF_WA_UNKNOWN_CONNECTION, CF_WA_BAD_RECIPIENT, CF_WA_BAD_MESSAGE,
   * CF_MEDIA_OUTSIDE, CF_MEDIA_MISSING, CF_SEND_IN_DOUBT, CF_SEND_KEY_REUSED (user: do not
   * retry); CF_WA_DISCONNECTED and the gateway's operational errors (retry).
   */
  async send(input: SendInput): Promise<SendResult> {
    const prepared = await this.prepare(input);
    const claim = {
      key: input.idempotencyKey,
      companyId: prepared.companyId,
      whatsappId: input.whatsappId,
      jid: prepared.jid,
      owner: nextOwner(),
    };
    const entry = await this.claim(claim);
    if (entry !== null) return earlierOutcome(entry, claim);
    const alive = this.keepAlive(claim.key, claim.owner);
    let delivered: { sent: SentMessage; media: MediaFile | null };
    let recorded: Awaited<ReturnType<MessageStore["recordSent"]>>;
    try {
      delivered = await this.deliver(prepared, claim.owner);
      // Still alive while recording: a duplicate waits for the outcome instead of calling it in doubt.
      recorded = await this.record(prepared, delivered);
    } finally {
      alive.stop();
    }
    const { sent } = delivered;
    const sentAt = new Date(sent.timestamp);
    return {
      jid: prepared.jid,
      wid: sent.id,
      ...recorded,
      alreadySent: false,
      sentAt: sentAt.toISOString(),
    };
  }

  /**
   * Sends text messages of one connection due together, each at most once, with one ledger claim
   * and one record for the whole batch (one commit each, instead of three per message): the new
   * keys are claimed as handed over (the sends start at once; a SIGKILL leaves the batch's unsent
   * ones in doubt, so batches stay small), sent concurrently at `notBefore`, each taking its
   * share of the daily cap; what WhatsApp accepted is recorded by `recordSent` in one statement
   * (retried like a single record; it returns the keys it marked `sent`). The connection is the
   * caller's, as read a moment ago: CONNECTED, of the messages' company. Outcomes in input order.
   */
  async sendMany(
    messages: readonly BatchMessage[],
    opts: {
      readonly companyId: number;
      readonly notBefore?: number;
      readonly recordSent: (sent: readonly BatchSent[]) => Promise<ReadonlySet<string>>;
    },
  ): Promise<BatchOutcome[]> {
    const { store, gateway } = this.deps;
    const outcomes: BatchOutcome[] = messages.map(() => ({ kind: "unclaimed" }));
    const claims: { index: number; key: string; jid: string; whatsappId: number }[] = [];
    for (const [index, m] of messages.entries()) {
      try {
        assertKey(m.idempotencyKey);
        const jid = toJid(m.number, m.isGroup === true);
        if (m.body === "") {
          throw new ChatiaError("CF_WA_BAD_MESSAGE", "the message has neither text nor media");
        }
        claims.push({ index, key: m.idempotencyKey, jid, whatsappId: m.whatsappId });
      } catch (error) {
        outcomes[index] = { kind: "error", error };
      }
    }
    const owner = nextOwner();
    const claimed = await store.claimHandedOver(
      claims.map((c) => ({ ...c, companyId: opts.companyId })),
      owner,
    );
    const mine = claims.filter((c) => claimed.has(c.key));
    if (mine.length === 0) return outcomes;
    const timer = setInterval(() => {
      store
        .heartbeatMany(
          mine.map((c) => c.key),
          owner,
        )
        .catch(() => undefined);
    }, CLAIM_HEARTBEAT_MS);
    timer.unref();
    try {
      const early = (opts.notBefore ?? 0) - Date.now();
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
      const sent: (BatchSent & { index: number })[] = [];
      await Promise.all(
        mine.map(async (c) => {
          const m = messages[c.index] as BatchMessage;
          let giveBack: (() => Promise<void>) | undefined;
          let handedOver = false;
          try {
            giveBack = await this.deps.quota?.(c.whatsappId);
            handedOver = true;
            const out = await gateway.send(c.whatsappId, { jid: c.jid, text: m.body });
            sent.push({ index: c.index, key: c.key, wid: out.id, sentAt: new Date(out.timestamp) });
          } catch (error) {
            const notSent = !handedOver || isNotSent(error);
            if (handedOver && notSent) await giveBack?.().catch(() => undefined);
            const note = describeError(error);
            await this.persist(() =>
              notSent ? store.markFailed(c.key, note) : store.noteInDoubt(c.key, note),
            ).catch(() => undefined);
            outcomes[c.index] = { kind: "error", error };
          }
        }),
      );
      if (sent.length > 0) await this.recordMany(sent, opts.recordSent, outcomes);
    } finally {
      clearInterval(timer);
    }
    return outcomes;
  }

  /** Records a batch's sends (retried as persist() does); the ones it could not, in doubt. */
  private async recordMany(
    sent: readonly (BatchSent & { index: number })[],
    recordSent: (sent: readonly BatchSent[]) => Promise<ReadonlySet<string>>,
    outcomes: BatchOutcome[],
  ): Promise<void> {
    let marked: ReadonlySet<string>;
    let failure: unknown;
    try {
      marked = await this.persist(() => recordSent(sent));
    } catch (error) {
      marked = new Set();
      failure = error;
    }
    for (const s of sent) {
      if (marked.has(s.key)) {
        outcomes[s.index] = { kind: "sent", wid: s.wid, sentAt: s.sentAt };
        continue;
      }
      const error = failure ?? new LedgerNotSendingError(s.key);
      const note = `WhatsApp accepted it as ${s.wid} at ${s.sentAt.toISOString()}, but recording it failed: ${describeError(error)}`;
      await this.deps.store.noteInDoubt(s.key, note).catch(() => undefined);
      outcomes[s.index] = { kind: "error", error };
    }
  }

  /**
   * Records a send WhatsApp accepted: the ledger's `sent` (and the Message, or the caller's own
   * statement). A failing database is retried with backoff for up to recordRetryMs (each write
   * accepts a key already `sent` with this WhatsApp id, so a retry after a lost reply is safe);
   * past it, or when the key is no longer this send's, it stays `sending`, in doubt, noted.
   */
  private async record(
    prepared: Prepared,
    { sent, media }: { sent: SentMessage; media: MediaFile | null },
  ): Promise<Awaited<ReturnType<MessageStore["recordSent"]>>> {
    const { input } = prepared;
    const { store } = this.deps;
    const ledger = { key: input.idempotencyKey, wid: sent.id, sentAt: new Date(sent.timestamp) };
    const own = input.record === false ? input.recordSent : undefined;
    const write = () =>
      own === undefined
        ? store.recordSent({
            ...ledger,
            ...(input.record === false ? {} : { message: outgoingRecord(prepared, media) }),
          })
        : own(ledger).then(() => undefined);
    try {
      return await this.persist(write);
    } catch (err) {
      // The key stays `sending`: a retry must not send again. Say what we know for the operator.
      const note = `WhatsApp accepted it as ${sent.id} at ${ledger.sentAt.toISOString()}, but recording it failed: ${describeError(err)}`;
      await store.noteInDoubt(input.idempotencyKey, note).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Runs a ledger write, retrying a failure with backoff (250 ms doubling, at most 5 s apart) for
   * up to recordRetryMs; LedgerNotSendingError (the key is no longer this attempt's) at once.
   */
  private async persist<T>(write: () => Promise<T>): Promise<T> {
    const end = Date.now() + (this.deps.recordRetryMs ?? RECORD_RETRY_MS);
    for (let wait = RECORD_RETRY_FIRST_MS; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await write();
      } catch (err) {
        if (err instanceof LedgerNotSendingError || Date.now() + wait >= end) throw err;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * Claims the key (null) or returns the entry an earlier attempt settled or left in doubt; while
   * a live owner holds it, waits for its outcome, up to claimWaitMs (then CF_SEND_IN_PROGRESS).
   */
  private async claim(claim: LedgerClaim): Promise<LedgerEntry | null> {
    const end = Date.now() + (this.deps.claimWaitMs ?? CLAIM_WAIT_MS);
    for (;;) {
      const claimed = await this.deps.store.claim(claim);
      if (claimed.claimed) return null;
      const { entry } = claimed;
      if (entry.status !== "sending" || !entry.alive) return entry;
      if (Date.now() > end) {
        throw new ChatiaError(
          "CF_SEND_IN_PROGRESS",
          `message ${claim.key} is being sent by another live attempt (${entry.claimedBy ?? "unknown"}) that did not settle it in time; nothing was sent by this one`,
          { details: { key: claim.key, owner: entry.claimedBy } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }
  }

  /** Refreshes the claim's sign of life until stopped (best effort: a failed beat is retried). */
  private keepAlive(key: string, owner: string): { stop(): void } {
    const timer = setInterval(() => {
      this.deps.store.heartbeat(key, owner).catch(() => undefined);
    }, CLAIM_HEARTBEAT_MS);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** Checks what needs no claim: recipient, content, connection. */
  private async prepare(input: SendInput): Promise<Prepared> {
    assertKey(input.idempotencyKey);
    const jid = toJid(input.number, input.isGroup === true);
    if (input.body === "" && !input.mediaPath) {
      throw new ChatiaError("CF_WA_BAD_MESSAGE", "the message has neither text nor media");
    }
    const connection =
      input.connection === undefined
        ? await this.deps.store.findConnection(input.whatsappId)
        : input.connection;
    const otherCompany = input.companyId !== undefined && connection?.companyId !== input.companyId;
    if (connection === null || otherCompany) {
      const of = input.companyId === undefined ? "" : ` of company ${input.companyId}`;
      throw new ChatiaError(
        "CF_WA_UNKNOWN_CONNECTION",
        `WhatsApp connection ${input.whatsappId}${of} does not exist (or was deleted)`,
        { details: { whatsappId: input.whatsappId, companyId: input.companyId } },
      );
    }
    return { input, jid, companyId: connection.companyId, connectionStatus: connection.status };
  }

  /** Sends the claimed message; on failure settles the claim by what the error proves. */
  private async deliver(
    p: Prepared,
    owner: string,
  ): Promise<{ sent: SentMessage; media: MediaFile | null }> {
    const key = p.input.idempotencyKey;
    // Until the gateway has the message, any error (Redis down while pacing, say) proves that
    // nothing was sent.
    let handedOver = false;
    /** The claim went to another attempt: its row is not ours to settle. */
    let lost = false;
    let giveBack: (() => Promise<void>) | undefined;
    try {
      const media = p.input.mediaPath
        ? await resolveMediaFile(this.deps.mediaDir, p.companyId, p.input.mediaPath)
        : null;
      if (p.connectionStatus !== "CONNECTED") {
        throw new ChatiaError(
          "CF_WA_DISCONNECTED",
          `WhatsApp connection ${p.input.whatsappId} is ${p.connectionStatus}`,
          { details: { whatsappId: p.input.whatsappId, status: p.connectionStatus } },
        );
      }
      if (p.input.paced !== false) await this.deps.pace?.(p.input.whatsappId);
      const early = (p.input.notBefore ?? 0) - Date.now();
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
      // From here a dead owner's claim is in doubt; before, a later attempt may take it over.
      if (!(await this.deps.store.markHandedOver(key, owner))) {
        lost = true;
        throw new ChatiaError(
          "CF_SEND_IN_PROGRESS",
          `message ${key}'s claim was taken over while this attempt waited (it looked dead); it did not send`,
          { details: { key, owner } },
        );
      }
      // Taken at the moment of sending, so a send due after midnight counts on its own day.
      giveBack = await this.deps.quota?.(p.input.whatsappId);
      handedOver = true;
      const sent = await this.deps.gateway.send(p.input.whatsappId, outgoingMessage(p, media));
      return { sent, media };
    } catch (err) {
      const note = describeError(err);
      const notSent = !handedOver || isNotSent(err);
      // A send WhatsApp refused does not count towards the day's cap.
      if (handedOver && notSent) await giveBack?.().catch(() => undefined);
      // Best effort: if the ledger cannot be written either, the key stays `sending` and the
      // retry reports CF_SEND_IN_DOUBT, which is visible — never a silent duplicate.
      if (!lost) {
        // Retried like a record (a passing outage): a claim left `sending` after a handover
        // that committed but whose reply was lost would otherwise read as in doubt.
        const settle = () =>
          notSent ? this.deps.store.markFailed(key, note) : this.deps.store.noteInDoubt(key, note);
        await this.persist(settle).catch(() => undefined);
      }
      throw err;
    }
  }
}

/** What a send whose key was claimed before returns or throws. */
function earlierOutcome(
  entry: LedgerEntry,
  claim: { key: string; whatsappId: number; jid: string },
): SendResult {
  if (entry.whatsappId !== claim.whatsappId || entry.jid !== claim.jid) {
    throw new ChatiaError(
      "CF_SEND_KEY_REUSED",
      `idempotency key ${claim.key} was used for a message to ${entry.jid} through connection ${entry.whatsappId}; this one is to ${claim.jid} through ${claim.whatsappId} and was not sent`,
      { details: { key: claim.key, earlier: { jid: entry.jid, whatsappId: entry.whatsappId } } },
    );
  }
  if (entry.status === "sent" && entry.wid !== null) {
    return {
      jid: entry.jid,
      wid: entry.wid,
      ...(entry.messageId === null ? {} : { messageId: entry.messageId }),
      ...(entry.ticketId === null ? {} : { ticketId: entry.ticketId }),
      ...(entry.contactId === null ? {} : { contactId: entry.contactId }),
      alreadySent: true,
      sentAt: (entry.sentAt ?? entry.updatedAt).toISOString(),
    };
  }
  const earlier = entry.error === null ? "" : ` (its error: ${entry.error})`;
  throw new ChatiaError(
    "CF_SEND_IN_DOUBT",
    `message ${claim.key} to ${entry.jid} may or may not have reached WhatsApp: an earlier attempt (last seen ${entry.updatedAt.toISOString()}) handed it to WhatsApp and recorded no outcome: it crashed, timed out or lost the database${earlier}. It is not sent again, to avoid a duplicate; check the conversation and enqueue a new job if it did not arrive`,
    {
      details: {
        key: claim.key,
        jid: entry.jid,
        whatsappId: entry.whatsappId,
        lastSeenAt: entry.updatedAt,
        error: entry.error,
      },
    },
  );
}

function outgoingMessage(p: Prepared, media: MediaFile | null): OutgoingMessage {
  if (media === null) return { jid: p.jid, text: p.input.body };
  const caption = p.input.body === "" ? {} : { caption: p.input.body };
  return { jid: p.jid, media: { path: media.path, fileName: media.fileName, ...caption } };
}

function outgoingRecord(p: Prepared, media: MediaFile | null): OutgoingRecord {
  return {
    companyId: p.companyId,
    whatsappId: p.input.whatsappId,
    number: p.jid.slice(0, p.jid.indexOf("@")),
    isGroup: p.input.isGroup === true,
    jid: p.jid,
    body: p.input.body,
    mediaType: media?.kind ?? "chat",
    mediaUrl: media?.relativePath ?? null,
  };
}

function isNotSent(err: unknown): boolean {
  return err instanceof ChatiaError && NOT_SENT.has(err.code);
}

function describeError(err: unknown): string {
  if (err instanceof ChatiaError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A missing key is the caller's bug (nodes check their input): nothing may be sent without one. */
function assertKey(key: unknown): void {
  if (typeof key !== "string" || key.trim() === "") {
    throw new TypeError("MessageService.send needs a non-empty idempotencyKey");
  }
}

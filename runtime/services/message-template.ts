// The texts bots send, as the original writes them: ticket templates in Mustache style
// (`{{firstName}}`, `{{ms}}`, `{{protocol}}`…), campaign messages with single-brace variables
// (`{nome}`, `{email}`, `{numero}`, custom `{key}`), and the invisible marks that let the inbound
// listener tell bot messages apart (U+200E ticket/scheduled, U+200C campaign). Pure functions.
import Mustache from "mustache";
import { ChatiaError } from "../errors";
import { wallClock } from "./wall-clock";

/** Marks scheduled and ticket messages (greetings, farewells, lane messages): U+200E. */
export const TICKET_MESSAGE_MARK = "\u200e";
/** Marks campaign messages and confirmation requests: U+200C. */
export const CAMPAIGN_MESSAGE_MARK = "\u200c";

export type MessageMark = typeof TICKET_MESSAGE_MARK | typeof CAMPAIGN_MESSAGE_MARK;

/** `text` as WhatsApp gets it: the mark, a space, the text (the original's `\u200e ${body}`). */
export function markMessage(mark: MessageMark, text: string): string {
  return `${mark} ${text}`;
}

/** What a ticket template can say. Absent or null values render as empty text. */
export interface TicketTemplateVars {
  /** The contact's name: `{{name}}`, and its first word `{{firstName}}`. */
  readonly contactName?: string | null;
  /** `{{ticket_id}}`, and the tail of `{{protocol}}`. */
  readonly ticketId?: number | null;
  /** The ticket's queue name: `{{queue}}`. */
  readonly queueName?: string | null;
  /** The connection's name: `{{connection}}`. */
  readonly connectionName?: string | null;
  /** The ticket's attendant: `{{user}}`. */
  readonly userName?: string | null;
  /** `{{name_company}}`. */
  readonly companyName?: string | null;
  /** The instant the text is for: `{{ms}}`, `{{date}}`, `{{hour}}`, `{{data_hora}}`, `{{protocol}}`. */
  readonly now: Date;
  /** The company's IANA time zone, which `now` is read in. */
  readonly timeZone: string;
}

/** The tags a ticket template can use, for editors and help texts. */
export const TICKET_TEMPLATE_TAGS = [
  "name",
  "firstName",
  "ms",
  "protocol",
  "ticket_id",
  "queue",
  "connection",
  "user",
  "name_company",
  "date",
  "hour",
  "data_hora",
] as const;

export type TicketTemplateTag = (typeof TICKET_TEMPLATE_TAGS)[number];

/** The greeting of `{{ms}}` at `now` in `timeZone`: Bom dia (06–11h), Boa tarde (12–17h), else Boa noite. */
export function greeting(now: Date, timeZone: string): string {
  const hour = new Date(wallClock(now, timeZone)).getUTCHours();
  if (hour > 5 && hour <= 11) return "Bom dia";
  if (hour > 11 && hour <= 17) return "Boa tarde";
  return "Boa noite";
}

/** The values of every tag for `vars` (what `renderTicketTemplate` fills in). */
export function ticketTemplateView(vars: TicketTemplateVars): Record<TicketTemplateTag, string> {
  const wall = new Date(wallClock(vars.now, vars.timeZone));
  const [y, mo, d] = [wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate()];
  const [h, mi, s] = [wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds()];
  const date = `${pad(d)}-${pad(mo)}-${y}`;
  const hour = `${pad(h)}:${pad(mi)}:${pad(s)}`;
  const name = (vars.contactName ?? "").trim();
  const ticketId = vars.ticketId == null ? "" : String(vars.ticketId);
  return {
    name,
    firstName: name.split(/\s+/)[0] ?? "",
    ms: greeting(vars.now, vars.timeZone),
    protocol: `${y}${pad(mo)}${pad(d)}${pad(h)}${pad(mi)}${pad(s)}${ticketId}`,
    ticket_id: ticketId,
    queue: vars.queueName ?? "",
    connection: vars.connectionName ?? "",
    user: vars.userName ?? "",
    name_company: vars.companyName ?? "",
    date,
    hour,
    data_hora: `${date} às ${hour}`,
  };
}

/**
 * Renders a ticket template with Mustache: the tags of TICKET_TEMPLATE_TAGS, values not
 * HTML-escaped (`{{name}}` of "João D'Ávila" stays as written), unknown tags empty. A template
 * Mustache cannot parse (an unclosed section) throws CF_TEMPLATE_INVALID.
 */
export function renderTicketTemplate(template: string, vars: TicketTemplateVars): string {
  if (!template.includes("{{")) return template;
  try {
    return writer.render(template, ticketTemplateView(vars), undefined, NO_ESCAPE);
  } catch (err) {
    throw new ChatiaError(
      "CF_TEMPLATE_INVALID",
      `the message template is not valid Mustache: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, details: { template } },
    );
  }
}

/** A campaign's contact and its company's custom variables (CampaignSettings `variables`). */
export interface CampaignMessageVars {
  readonly nome?: string | null;
  readonly email?: string | null;
  readonly numero?: string | null;
  /** Custom `{key}` → value; the built-in names above win over a custom one of the same key. */
  readonly custom?: Readonly<Record<string, string>>;
}

/**
 * Fills a campaign message: `{nome}`, `{email}`, `{numero}` and every custom `{key}`, in one
 * pass (a value is never scanned again, and `$` in a value is literal). Null values are empty
 * text; a `{word}` that is no variable stays as written, as in the original.
 */
export function renderCampaignMessage(template: string, vars: CampaignMessageVars): string {
  const builtIn: Record<string, string> = {
    nome: vars.nome ?? "",
    email: vars.email ?? "",
    numero: vars.numero ?? "",
  };
  const custom = vars.custom ?? {};
  return template.replace(/\{([^{}\n]+)\}/g, (all, key: string) => {
    if (Object.hasOwn(builtIn, key)) return builtIn[key] ?? "";
    return Object.hasOwn(custom, key) ? (custom[key] ?? "") : all;
  });
}

/** A contact variable a compiled campaign message leaves for the database to fill. */
export type CampaignContactVariable = "nome" | "email" | "numero";
/** A piece of a compiled campaign message: literal text, or a contact variable. */
export type CampaignMessagePart = string | { readonly variable: CampaignContactVariable };

/**
 * A campaign message compiled for one campaign: the custom variables filled (and unknown
 * `{word}`s kept as written), the contact's variables left as parts, so that the text of any
 * contact is the parts joined with its values — the same text as renderCampaignMessage, whose
 * scan it repeats. Lets the expansion fill a million messages in SQL.
 */
export function compileCampaignMessage(
  template: string,
  custom: Readonly<Record<string, string>> = {},
): CampaignMessagePart[] {
  const parts: CampaignMessagePart[] = [];
  let text = "";
  let last = 0;
  for (const match of template.matchAll(/\{([^{}\n]+)\}/g)) {
    const [all, key = ""] = match;
    text += template.slice(last, match.index);
    last = match.index + all.length;
    if (key === "nome" || key === "email" || key === "numero") {
      if (text !== "") parts.push(text);
      parts.push({ variable: key });
      text = "";
    } else {
      text += Object.hasOwn(custom, key) ? (custom[key] ?? "") : all;
    }
  }
  text += template.slice(last);
  if (text !== "") parts.push(text);
  return parts;
}

/**
 * The custom variables of a CampaignSettings `variables` value: a JSON array (or its text) of
 * `{ key, value }`. Anything else gives no variables; entries without a string key are skipped.
 */
export function parseCampaignVariables(value: unknown): Record<string, string> {
  let list: unknown = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch {
      return {};
    }
  }
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (const item of list as unknown[]) {
    const { key, value: v } = (item ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key === "string" && key !== "") out[key] = v == null ? "" : String(v);
  }
  return out;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const NO_ESCAPE = { escape: (value: unknown) => String(value) };

/** A template cache that cannot grow without bound (Mustache's own keeps every template). */
class BoundedCache {
  private readonly map = new Map<string, unknown>();
  constructor(private readonly max: number) {}
  get(key: string): unknown {
    return this.map.get(key);
  }
  set(key: string, value: unknown): void {
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }
  clear(): void {
    this.map.clear();
  }
}

const writer = new Mustache.Writer();
(writer as unknown as { templateCache: BoundedCache }).templateCache = new BoundedCache(500);

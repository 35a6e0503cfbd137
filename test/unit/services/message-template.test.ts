// The texts bots send: ticket templates (Mustache, the company's clock), campaign variables
// (single braces, one pass) and the marks that tell bot messages apart.
import { describe, expect, it } from "vitest";
import { ChatiaError } from "../../../runtime/errors";
import {
  CAMPAIGN_MESSAGE_MARK,
  type CampaignMessagePart,
  compileCampaignMessage,
  greeting,
  markMessage,
  parseCampaignVariables,
  renderCampaignMessage,
  renderTicketTemplate,
  TICKET_MESSAGE_MARK,
  TICKET_TEMPLATE_TAGS,
  ticketTemplateView,
} from "../../../runtime/services/message-template";

const SP = "America/Sao_Paulo";
// 2027-05-10 09:05:07 in São Paulo (UTC-3).
const now = new Date("2027-05-10T12:05:07Z");
const ticket = {
  contactName: "  João D'Ávila <Souza>  ",
  ticketId: 42,
  queueName: "Vendas & Pós",
  connectionName: "Comercial",
  userName: "Ana",
  companyName: "ChatIA Demo",
  now,
  timeZone: SP,
};

describe("renderTicketTemplate", () => {
  it("fills every tag of the original, with no HTML escaping", () => {
    const text = renderTicketTemplate(
      "{{ms}}, {{firstName}}! {{name}} | #{{ticket_id}} {{protocol}} | {{queue}} / {{connection}} / {{user}} / {{name_company}} | {{date}} {{hour}} | {{data_hora}}",
      ticket,
    );
    expect(text).toBe(
      "Bom dia, João! João D'Ávila <Souza> | #42 2027051009050742 | Vendas & Pós / Comercial / Ana / ChatIA Demo | 10-05-2027 09:05:07 | 10-05-2027 às 09:05:07",
    );
  });

  it("renders unknown tags and missing values as empty text", () => {
    expect(renderTicketTemplate("[{{nope}}][{{user}}][{{queue}}]", { now, timeZone: SP })).toBe(
      "[][][]",
    );
    expect(renderTicketTemplate("{{protocol}}", { now, timeZone: SP })).toBe("20270510090507");
  });

  it("supports Mustache sections and triple braces, and leaves plain text alone", () => {
    expect(renderTicketTemplate("{{#user}}Atendente: {{user}}{{/user}}", ticket)).toBe(
      "Atendente: Ana",
    );
    expect(renderTicketTemplate("{{#user}}x{{/user}}", { now, timeZone: SP })).toBe("");
    expect(renderTicketTemplate("{{{name}}}", ticket)).toBe("João D'Ávila <Souza>");
    expect(renderTicketTemplate("sem variáveis {nome}", ticket)).toBe("sem variáveis {nome}");
  });

  it("reads {{ms}}, {{date}} and {{hour}} on the company's clock", () => {
    const late = new Date("2027-05-11T01:30:00Z"); // 22:30 on the 10th in São Paulo, 10:30 on the 11th in Tokyo
    expect(renderTicketTemplate("{{ms}} {{date}} {{hour}}", { now: late, timeZone: SP })).toBe(
      "Boa noite 10-05-2027 22:30:00",
    );
    expect(
      renderTicketTemplate("{{ms}} {{date}} {{hour}}", { now: late, timeZone: "Asia/Tokyo" }),
    ).toBe("Bom dia 11-05-2027 10:30:00");
  });

  it("refuses a template Mustache cannot parse with CF_TEMPLATE_INVALID", () => {
    let caught: unknown;
    try {
      renderTicketTemplate("{{#user}} never closed", ticket);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ChatiaError);
    expect((caught as ChatiaError).code).toBe("CF_TEMPLATE_INVALID");
    expect((caught as ChatiaError).kind).toBe("user");
  });

  it("documents exactly the tags it fills", () => {
    expect(Object.keys(ticketTemplateView(ticket)).sort()).toEqual(
      [...TICKET_TEMPLATE_TAGS].sort(),
    );
  });
});

describe("greeting ({{ms}})", () => {
  const at = (hour: number) => new Date(Date.UTC(2027, 4, 10, hour + 3, 0, 0)); // São Paulo hour
  it("is Bom dia from 06:00 to 11:59, Boa tarde from 12:00 to 17:59, else Boa noite", () => {
    const byHour = Array.from({ length: 24 }, (_, h) => greeting(at(h), SP));
    expect(byHour.slice(0, 6)).toEqual(Array(6).fill("Boa noite"));
    expect(byHour.slice(6, 12)).toEqual(Array(6).fill("Bom dia"));
    expect(byHour.slice(12, 18)).toEqual(Array(6).fill("Boa tarde"));
    expect(byHour.slice(18)).toEqual(Array(6).fill("Boa noite"));
    expect(greeting(new Date(Date.UTC(2027, 4, 10, 14, 59, 59)), SP)).toBe("Bom dia"); // 11:59:59
  });
});

describe("renderCampaignMessage", () => {
  const contact = { nome: "Maria Lima", email: "maria@example.com", numero: "5511999990000" };

  it("fills {nome}, {email}, {numero} everywhere they appear", () => {
    expect(
      renderCampaignMessage("Oi {nome}! {nome}, seu e-mail {email} e número {numero}.", contact),
    ).toBe("Oi Maria Lima! Maria Lima, seu e-mail maria@example.com e número 5511999990000.");
  });

  it("fills the custom variables and leaves unknown braces as written", () => {
    const text = renderCampaignMessage("{cupom} vale {desconto} até {prazo}; {outro} {{name}}", {
      ...contact,
      custom: { cupom: "BLACK10", desconto: "10%", prazo: "sexta" },
    });
    expect(text).toBe("BLACK10 vale 10% até sexta; {outro} {{name}}");
  });

  it("treats values literally: $ patterns, regex characters and braces in values", () => {
    const text = renderCampaignMessage("{nome} {preço (R$)} {a.b}", {
      nome: "{email} $& $1",
      email: "x@y",
      custom: { "preço (R$)": "R$ 5", "a.b": "ok" },
    });
    expect(text).toBe("{email} $& $1 R$ 5 ok");
  });

  it("renders null contact fields as empty text, built-ins winning over custom keys", () => {
    expect(
      renderCampaignMessage("[{nome}][{email}][{numero}]", {
        nome: null,
        numero: "55",
        custom: { nome: "custom" },
      }),
    ).toBe("[][][55]");
  });
});

describe("compileCampaignMessage", () => {
  const contacts = [
    { nome: "Maria Lima", email: "maria@example.com", numero: "5511999990000" },
    { nome: "{email} $& $1", email: null, numero: "55" },
  ];
  const join = (parts: CampaignMessagePart[], c: (typeof contacts)[number]) =>
    parts.map((p) => (typeof p === "string" ? p : (c[p.variable] ?? ""))).join("");

  it("joined with a contact's values, gives renderCampaignMessage's text", () => {
    const custom = { cupom: "BLACK10", "preço (R$)": "R$ 5", nome: "custom", "a.b": "{nome}" };
    const templates = [
      "Oi {nome}! {nome}, seu e-mail {email} e número {numero}.",
      "{cupom} vale {desconto}; {outro} {{name}} {preço (R$)} {a.b}",
      "[{nome}][{email}][{numero}]",
      "sem variáveis",
      "",
    ];
    for (const template of templates) {
      const parts = compileCampaignMessage(template, custom);
      for (const c of contacts) {
        expect(join(parts, c)).toBe(renderCampaignMessage(template, { ...c, custom }));
      }
    }
  });

  it("merges literal text and leaves only contact variables as parts", () => {
    expect(compileCampaignMessage("{x} a {nome}{numero} b", { x: "X" })).toEqual([
      "X a ",
      { variable: "nome" },
      { variable: "numero" },
      " b",
    ]);
  });
});

describe("parseCampaignVariables", () => {
  it("reads the CampaignSettings value, as JSON text or array", () => {
    expect(parseCampaignVariables('[{"key":"cupom","value":"X1"},{"key":"n","value":3}]')).toEqual({
      cupom: "X1",
      n: "3",
    });
    expect(parseCampaignVariables([{ key: "a", value: null }, { value: "no key" }])).toEqual({
      a: "",
    });
  });
  it("gives no variables for anything else", () => {
    for (const v of ["[]", "not json", null, undefined, 7, { key: "a" }, "{}"]) {
      expect(parseCampaignVariables(v)).toEqual({});
    }
  });
});

describe("marks", () => {
  it("prefix ticket messages with U+200E and campaign messages with U+200C, then a space", () => {
    expect(TICKET_MESSAGE_MARK).toBe("\u200e");
    expect(CAMPAIGN_MESSAGE_MARK).toBe("\u200c");
    expect(markMessage(TICKET_MESSAGE_MARK, "Olá")).toBe("\u200e Olá");
    expect(markMessage(CAMPAIGN_MESSAGE_MARK, "Olá")).toBe("\u200c Olá");
  });
});

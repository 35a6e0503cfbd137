// Deterministic fake data for the demo seed: Brazilian names, mobile numbers and message texts.
// The same index always yields the same person, so demo runs and tests are reproducible.

const FIRST_NAMES = [
  "Ana",
  "Bruno",
  "Camila",
  "Diego",
  "Eduarda",
  "Felipe",
  "Gabriela",
  "Henrique",
  "Isabela",
  "João",
  "Larissa",
  "Marcos",
  "Natália",
  "Otávio",
  "Patrícia",
  "Rafael",
  "Sabrina",
  "Thiago",
  "Vitória",
  "Wagner",
] as const;

const LAST_NAMES = [
  "Silva",
  "Santos",
  "Oliveira",
  "Souza",
  "Rodrigues",
  "Ferreira",
  "Alves",
  "Pereira",
  "Lima",
  "Gomes",
  "Costa",
  "Ribeiro",
  "Martins",
  "Carvalho",
  "Almeida",
  "Lopes",
  "Soares",
  "Fernandes",
  "Vieira",
  "Barbosa",
] as const;

export interface FakePerson {
  readonly name: string;
  readonly number: string;
  readonly email: string;
}

function pick<T>(list: readonly T[], index: number): T {
  const value = list[index % list.length];
  if (value === undefined) throw new RangeError("pick from an empty list");
  return value;
}

function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase();
}

/**
 * The i-th fake contact: a São Paulo mobile "55119XXXXXXXX" (13 digits). The 8 digits come from
 * a multiplier coprime with 9·10^7, so numbers are distinct for the first 90 million indexes.
 */
export function fakePerson(i: number): FakePerson {
  const first = pick(FIRST_NAMES, i);
  const last = pick(LAST_NAMES, i * 7 + Math.floor(i / FIRST_NAMES.length));
  const subscriber = ((i * 7_654_321 + 12_345_678) % 90_000_000) + 10_000_000;
  return {
    name: `${first} ${last}`,
    number: `55119${subscriber}`,
    email: `${ascii(first)}.${ascii(last)}${i}@exemplo.com.br`,
  };
}

/** "YYYY-MM-DD" of `instant` as seen in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return format.format(instant);
}

export const DEMO_TEXTS = {
  greeting: "{{ms}}, {{firstName}}! Bem-vindo(a) à ChatIA Demo. Em que podemos ajudar?",
  farewell: "Obrigado pelo contato, {{firstName}}. Até logo!",
  inactive: "Encerramos este atendimento por falta de interação. Se precisar, é só chamar!",
  queueGreeting: "Você está na fila de Atendimento. Um atendente já vai falar com você.",
  laneContact: "Olá {{firstName}}, tudo bem? Passando para saber se ficou alguma dúvida.",
  laneProposal: "{{firstName}}, sua proposta está pronta! Posso enviar os detalhes?",
  campaign: [
    "Olá {nome}! Temos novidades para você na ChatIA Demo.",
    "Oi {nome}, tudo bem? Preparamos uma oferta especial para você.",
    "{nome}, que tal conhecer nossos novos planos? Responda esta mensagem!",
  ],
} as const;

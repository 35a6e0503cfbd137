// Helpers for SQL assembled from fixed fragments: values only ever travel as bind parameters.

/** Collects bind values and hands out their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * A ticket row `alias` as the frontend receives it in `company-<id>-ticket` events: its columns
 * plus contact, queue, whatsapp, user and tags (the original's ShowTicketService shape, trimmed to
 * the columns this database has). Joined rows only count when they belong to the ticket's company.
 */
export function ticketJson(alias: string): string {
  const t = alias;
  return `(to_jsonb(${t}) || jsonb_build_object(
    'contact', (SELECT jsonb_build_object('id', c.id, 'name', c.name, 'number', c.number,
                  'email', c.email, 'profilePicUrl', c."profilePicUrl", 'isGroup', c."isGroup",
                  'companyId', c."companyId")
                  FROM "Contacts" c WHERE c.id = ${t}."contactId" AND c."companyId" = ${t}."companyId"),
    'queue', (SELECT jsonb_build_object('id', q.id, 'name', q.name, 'color', q.color)
                FROM "Queues" q WHERE q.id = ${t}."queueId" AND q."companyId" = ${t}."companyId"),
    'whatsapp', (SELECT jsonb_build_object('id', w.id, 'name', w.name, 'status', w.status,
                   'expiresTicket', w."expiresTicket", 'groupAsTicket', w."groupAsTicket")
                   FROM "Whatsapps" w WHERE w.id = ${t}."whatsappId" AND w."companyId" = ${t}."companyId"),
    'user', (SELECT jsonb_build_object('id', u.id, 'name', u.name, 'profile', u.profile)
               FROM "Users" u WHERE u.id = ${t}."userId" AND u."companyId" = ${t}."companyId"),
    'tags', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'color', g.color) ORDER BY g.id)
               FROM "TicketTags" tt JOIN "Tags" g ON g.id = tt."tagId"
              WHERE tt."ticketId" = ${t}.id AND g."companyId" = ${t}."companyId"), '[]'::jsonb)))`;
}

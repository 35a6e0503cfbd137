// Which company owns the rows a job references, as runtime/tenancy needs it
// (runtime/adapters/db/repositories/owner-store.ts implements it in SQL).

/** The kinds of row a job may reference (all carry `companyId`). */
export type OwnedKind = "whatsapp" | "campaign" | "schedule" | "ticket" | "contactListItem";

export interface OwnerStore {
  /** The company of each existing row of `kind` among `ids` (deleted connections count as gone). */
  companiesOf(kind: OwnedKind, ids: readonly number[]): Promise<Map<number, number>>;
}

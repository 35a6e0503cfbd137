// Invoices, as BillingService needs them (runtime/adapters/db/repositories/invoice-store.ts).

export interface DueInvoicesResult {
  /** Invoices inserted now (those that existed already are not counted). */
  readonly created: number;
  /** Companies with a plan whose due date is within the window (invoiced now or before). */
  readonly companies: number;
}

export interface InvoiceStore {
  /**
   * For each company with a plan and a `dueDate` fewer than `withinDays` calendar days after
   * today in the company's `timezone` (at `now`; overdue ones included, as in the original),
   * inserts an open invoice for that due date with the plan's name and amount, unless one exists.
   */
  createDueInvoices(now: Date, withinDays: number): Promise<DueInvoicesResult>;
}

// Billing (InvoiceMonitor/CreateInvoices): each company whose due date comes within a window gets
// one open invoice for that due date, with its plan's name and amount — never two, however many
// runs overlap (the store inserts against a unique constraint).
import type { DueInvoicesResult, InvoiceStore } from "./ports/invoice-store";

export type { DueInvoicesResult };

export class BillingService {
  constructor(private readonly store: InvoiceStore) {}

  /**
   * Invoices every company with a plan whose `dueDate` is fewer than `withinDays` calendar days
   * away, the days counted in the company's time zone at `now` (dates, not instants, as the
   * original compared them). Companies without a plan or a due date are skipped.
   */
  async createDueInvoices(now: Date, withinDays: number): Promise<DueInvoicesResult> {
    if (!Number.isSafeInteger(withinDays) || withinDays < 0) {
      throw new RangeError(`withinDays must be a whole number >= 0, got ${withinDays}`);
    }
    return this.store.createDueInvoices(now, withinDays);
  }
}

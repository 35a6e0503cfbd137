// Who owns each job, declared once per job (queue/job), in code rather than in jobs.yaml: tenancy
// is a security boundary, so a manifest edit must not be able to make a job visible to, or
// startable by, a company. A job with no rule here (every cron job, any job added later without
// one) is a system job: only super-admins see it or act on it. So is every cron trigger run
// (`repeat:*` ids), whatever its queue.
import type { OwnedKind } from "../services/ports/owner-store";

/** A row a job references, found at a dotted path of its data. */
export interface Reference {
  readonly kind: OwnedKind;
  /** Dotted path into the job's data, e.g. `whatsappId` or `data.mediaPath`. */
  readonly path: string;
}

export interface OwnerRule {
  /** The row whose company owns the job. */
  readonly owner: Reference;
  /**
   * The row that owns a job whose data lack `owner.path` (a job of the same name in another
   * shape: DispatchCampaign's connection sender references a connection, not a campaign).
   */
  readonly orElse?: Reference;
  /**
   * Company ids the data may carry besides the top-level `companyId` (ChatIA's producers put one
   * in `data.companyId`); each must be the owner's, or the job is a system job.
   */
  readonly claims?: readonly string[];
  /** Media paths in the data: each must stay inside, and exist in, the owner's media folder. */
  readonly media?: readonly string[];
  /** Whether a company (not only a super-admin) may enqueue the job by hand. */
  readonly companyMayStart: boolean;
}

/** The owner rules, by `Queue/Job`. */
export const OWNER_RULES: Readonly<Record<string, OwnerRule>> = {
  "MessageQueue/SendMessage": {
    owner: { kind: "whatsapp", path: "whatsappId" },
    claims: ["data.companyId"],
    media: ["data.mediaPath"],
    companyMayStart: true,
  },
  "SendSacheduledMessages/SendMessage": {
    owner: { kind: "schedule", path: "scheduleId" },
    companyMayStart: false,
  },
  "CampaignQueue/ProcessCampaign": {
    owner: { kind: "campaign", path: "id" },
    companyMayStart: true,
  },
  "CampaignQueue/PrepareContact": {
    owner: { kind: "campaign", path: "campaignId" },
    companyMayStart: false,
  },
  "CampaignQueue/DispatchCampaign": {
    owner: { kind: "campaign", path: "campaignId" },
    orElse: { kind: "whatsapp", path: "whatsappId" },
    companyMayStart: false,
  },
};

/** The rule of a job, or undefined for a system job. */
export function ownerRule(queue: string, name: string): OwnerRule | undefined {
  return OWNER_RULES[`${queue}/${name}`];
}

/** The reference that owns a job with these data: the rule's owner, or its `orElse` when the data lack the owner's path. */
export function ownerReference(rule: OwnerRule, data: unknown): Reference {
  if (rule.orElse && valueAt(data, rule.owner.path) === undefined) return rule.orElse;
  return rule.owner;
}

/** Cron trigger runs: Bull names their ids `repeat:<hash>:<millis>`. */
export function isCronRun(jobId: string | undefined): boolean {
  return jobId?.startsWith("repeat:") === true;
}

/** The value at a dotted path of `data`, or undefined. */
export function valueAt(data: unknown, dotted: string): unknown {
  let value: unknown = data;
  for (const part of dotted.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

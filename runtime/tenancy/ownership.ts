// The one ownership check of chatia-flow, used by the queue API, Bull Board and the nodes: which
// company owns a job (from the rows it references, per owner-rules.ts), whether a caller may see
// or act on it, and whether a company may enqueue a job with these data. It fails closed: a job
// whose owner cannot be resolved is a system job, for super-admins only.

import { ChatiaError } from "../errors";
import { resolveMediaFile } from "../services/media-file";
import type { OwnedKind, OwnerStore } from "../services/ports/owner-store";
import {
  isCronRun,
  type OwnerRule,
  ownerReference,
  ownerRule,
  type Reference,
  valueAt,
} from "./owner-rules";

export type Owner =
  | { readonly kind: "company"; readonly companyId: number }
  | {
      readonly kind: "system";
      readonly reason: string;
      /** True when the answer cannot change (no rule, a cron run): safe to remember. */
      readonly final: boolean;
    };

/** A job as the check needs it: where it is, its id when it has one, its data. */
export interface JobRef {
  readonly queue: string;
  readonly name: string;
  readonly id?: string;
  readonly data: unknown;
}

/** Who asks: a super-admin, or someone of one company. */
export interface Caller {
  readonly super: boolean;
  readonly companyId?: number;
}

/** Why an enqueue is refused: `status` is the HTTP answer (403 system job, 404 foreign row). */
export interface EnqueueRefusal {
  readonly ok: false;
  readonly status: 403 | 404;
  readonly code: "CF_TENANCY_SYSTEM_JOB" | "CF_API_NOT_FOUND";
  readonly message: string;
}
export type EnqueueVerdict = { readonly ok: true; readonly data: unknown } | EnqueueRefusal;

/** The company a send is for, or why it is not known. */
export type SendCompany =
  | { readonly ok: true; readonly companyId: number }
  | { readonly ok: false; readonly reason: string };

const NOUNS: Readonly<Record<OwnedKind, string>> = {
  whatsapp: "WhatsApp connection",
  campaign: "campaign",
  schedule: "schedule",
  ticket: "ticket",
  contactListItem: "contact list item",
};

export interface OwnershipDeps {
  readonly store: OwnerStore;
  /** Root of the companies' media folders (`<mediaDir>/company<id>/`). */
  readonly mediaDir: string;
}

export class Ownership {
  constructor(private readonly deps: OwnershipDeps) {}

  /** Whether `caller` may see or act on a job owned by `owner`. */
  static mayAct(caller: Caller, owner: Owner): boolean {
    if (caller.super) return true;
    return owner.kind === "company" && owner.companyId === caller.companyId;
  }

  async ownerOf(job: JobRef): Promise<Owner> {
    const [owner] = await this.ownersOf([job]);
    return owner as Owner;
  }

  /** The owners of many jobs, with one query per kind of row referenced. */
  async ownersOf(jobs: readonly JobRef[]): Promise<Owner[]> {
    const wanted = new Map<OwnedKind, number[]>();
    const plans = jobs.map((job) => {
      const plan = lookupPlan(job);
      if ("id" in plan) {
        const ids = wanted.get(plan.ref.kind) ?? [];
        ids.push(plan.id);
        wanted.set(plan.ref.kind, ids);
      }
      return plan;
    });
    const found = new Map<OwnedKind, Map<number, number>>();
    await Promise.all(
      [...wanted].map(async ([kind, ids]) =>
        found.set(kind, await this.deps.store.companiesOf(kind, ids)),
      ),
    );
    return plans.map((plan, i) => {
      if (!("id" in plan)) return plan;
      const { kind } = plan.ref;
      const companyId = found.get(kind)?.get(plan.id);
      if (companyId === undefined)
        return system(`it references no existing ${NOUNS[kind]} ${plan.id}`, false);
      const claim = wrongClaim(jobs[i]?.data, plan.rule, companyId);
      if (claim) return system(claim, false);
      return { kind: "company", companyId } as const;
    });
  }

  /**
   * The refusal of a job `caller` may not start whatever its data (a cron's job, a job of a queue
   * without an owner rule): asked before anything is read of the data, so a company learns
   * nothing of a system job's payload.
   */
  refuseStart(caller: Caller, queue: string, name: string): EnqueueRefusal | undefined {
    if (caller.super) return undefined;
    if (ownerRule(queue, name)?.companyMayStart && caller.companyId !== undefined) return undefined;
    return systemJob(queue, name);
  }

  /**
   * May `caller` enqueue this job with these data (already checked against its payload schema)?
   * A company may start only the jobs its rule allows, and every row and media file the data
   * reference must be its own; the data it gets back carry its `companyId` at the top level.
   */
  async checkEnqueue(
    caller: Caller,
    queue: string,
    name: string,
    data: unknown,
  ): Promise<EnqueueVerdict> {
    if (caller.super) return { ok: true, data };
    const rule = ownerRule(queue, name);
    const companyId = caller.companyId;
    if (!rule?.companyMayStart || companyId === undefined) return systemJob(queue, name);
    const owner = await this.ownerOf({ queue, name, data });
    const ref = ownerReference(rule, data);
    if (owner.kind !== "company" || owner.companyId !== companyId)
      return notFound(
        `there is no ${NOUNS[ref.kind]} ${show(valueAt(data, ref.path))} in your company (${ref.path})`,
      );
    const media = await this.foreignMedia(rule, data, companyId);
    if (media) return notFound(media);
    return { ok: true, data: withCompany(data, companyId) };
  }

  /**
   * The company a message is sent for, from the job being handled (`job`, absent when the message
   * comes from no job) and the company the flow states (`stated`, its node's setting). A job with
   * an owner rule sends only for its resolved owner: a system job (its references lead nowhere or
   * disagree) sends for nobody, whatever the flow states, and a stated company must be that owner.
   * Anything else (a cron's job, no job) sends only for a stated company.
   */
  async sendCompany(job: JobRef | undefined, stated: number | undefined): Promise<SendCompany> {
    if (job && ownerRule(job.queue, job.name)) {
      const owner = await this.ownerOf(job);
      if (owner.kind !== "company") return { ok: false, reason: owner.reason };
      if (stated !== undefined && stated !== owner.companyId)
        return {
          ok: false,
          reason: `the stated company ${stated} is not the job's owner, company ${owner.companyId}`,
        };
      return { ok: true, companyId: owner.companyId };
    }
    if (stated !== undefined) return { ok: true, companyId: stated };
    return {
      ok: false,
      reason: job
        ? `${job.queue}/${job.name} is a system job (no owner rule): set the node's company`
        : "the message comes from no job (msg.job): set the node's company",
    };
  }

  /** Why a media path of the data is not the company's, or undefined when all are. */
  private async foreignMedia(
    rule: OwnerRule,
    data: unknown,
    companyId: number,
  ): Promise<string | undefined> {
    for (const where of rule.media ?? []) {
      const mediaPath = valueAt(data, where);
      if (mediaPath === undefined || mediaPath === null || mediaPath === "") continue;
      try {
        await resolveMediaFile(this.deps.mediaDir, companyId, String(mediaPath));
      } catch (err) {
        if (!(err instanceof ChatiaError)) throw err;
        return `there is no media file ${show(mediaPath)} in your company's media folder (${where})`;
      }
    }
    return undefined;
  }
}

type LookupPlan =
  | Owner
  | { readonly rule: OwnerRule; readonly ref: Reference; readonly id: number };

/** What resolving a job needs: a final answer already, or the row to look up. */
function lookupPlan(job: JobRef): LookupPlan {
  if (isCronRun(job.id)) return system("it is a cron trigger run", true);
  const rule = ownerRule(job.queue, job.name);
  if (!rule) return system(`${job.queue}/${job.name} has no owner rule`, true);
  const ref = ownerReference(rule, job.data);
  const id = valueAt(job.data, ref.path);
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1)
    return system(`its ${ref.path} is not a ${NOUNS[ref.kind]} id`, true);
  return { rule, ref, id };
}

/** A company id the data claim (top level or the rule's paths) that is not the owner's. */
function wrongClaim(data: unknown, rule: OwnerRule, companyId: number): string | undefined {
  for (const where of ["companyId", ...(rule.claims ?? [])]) {
    const claimed = valueAt(data, where);
    if (claimed === undefined || claimed === null) continue;
    if (Number(claimed) !== companyId)
      return `its ${where} ${show(claimed)} is not the company of what it references`;
  }
  return undefined;
}

function system(reason: string, final: boolean): Owner {
  return { kind: "system", reason, final };
}

function systemJob(queue: string, name: string): EnqueueRefusal {
  return {
    ok: false,
    status: 403,
    code: "CF_TENANCY_SYSTEM_JOB",
    message: `${queue}/${name} is a system job: only a super-admin may start it`,
  };
}

function notFound(message: string): EnqueueRefusal {
  return { ok: false, status: 404, code: "CF_API_NOT_FOUND", message };
}

/** The data with the owner at the top level (`companyId`), when they are an object. */
export function withCompany(data: unknown, companyId: number): unknown {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data;
  return { ...(data as Record<string, unknown>), companyId };
}

function show(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

/**
 * The QueueRuntime's owner stamp (see OwnerStamp there): a job of a rule that carries no
 * `companyId` gets its resolved owner's; data already carrying one, and system jobs, stay as given.
 */
export function ownerStamp(ownership: Ownership) {
  return async (queue: string, name: string, data: readonly unknown[]): Promise<unknown[]> => {
    if (!ownerRule(queue, name)) return [...data];
    const missing = data.flatMap((d, i) => (lacksCompany(d) ? [i] : []));
    if (missing.length === 0) return [...data];
    const owners = await ownership.ownersOf(missing.map((i) => ({ queue, name, data: data[i] })));
    const stamped = [...data];
    missing.forEach((at, i) => {
      const owner = owners[i];
      if (owner?.kind === "company") stamped[at] = withCompany(data[at], owner.companyId);
    });
    return stamped;
  };
}

function lacksCompany(data: unknown): boolean {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  const id = (data as Record<string, unknown>).companyId;
  return id === undefined || id === null;
}

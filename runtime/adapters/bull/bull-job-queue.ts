// The job-queue port (runtime/services/ports/job-queue.ts) on one Bull queue: Bull's jobs are
// already plain job views; the queue's reads and operations are the adapter's functions.
import type {
  JobQueue,
  JobState,
  QueuedJob,
  RemoveByIdOptions,
} from "../../services/ports/job-queue";
import {
  type BullQueue,
  cleanJobs,
  countJobs,
  findJob,
  isQueuePaused,
  jobLogs,
  jobsInState,
  setQueuePaused,
} from "./bull-queue-adapter";
import { idsInState, readJobHeads, readOwnerTags, writeOwnerTags } from "./owner-tags";
import { removeWaitingJobs } from "./remove-by-id";

export class BullJobQueue implements JobQueue {
  constructor(readonly bull: BullQueue) {}

  get name(): string {
    return this.bull.name;
  }

  findJob(id: string): Promise<QueuedJob | undefined> {
    return findJob(this.bull, id);
  }

  jobsInState(state: JobState, start: number, end: number): Promise<QueuedJob[]> {
    return jobsInState(this.bull, state, start, end);
  }

  countJobs(): Promise<Record<JobState, number>> {
    return countJobs(this.bull);
  }

  isPaused(): Promise<boolean> {
    return isQueuePaused(this.bull);
  }

  setPaused(paused: boolean): Promise<void> {
    return setQueuePaused(this.bull, paused);
  }

  cleanJobs(
    state: Exclude<JobState, "waiting"> | "wait",
    graceMs: number,
    limit: number,
  ): Promise<string[]> {
    return cleanJobs(this.bull, state, graceMs, limit);
  }

  jobLogs(id: string): Promise<string[]> {
    return jobLogs(this.bull, id);
  }

  removeWaitingJobs(options: RemoveByIdOptions): Promise<string[]> {
    return removeWaitingJobs(this.bull, options);
  }

  idsInState(state: JobState, limit: number): Promise<string[]> {
    return idsInState(this.bull, state, limit);
  }

  readOwnerTags(ids: readonly string[]): Promise<(string | undefined)[]> {
    return readOwnerTags(this.bull, ids);
  }

  readJobHeads(ids: readonly string[]): Promise<({ name: string; data: unknown } | undefined)[]> {
    return readJobHeads(this.bull, ids);
  }

  writeOwnerTags(tags: readonly (readonly [string, string])[]): Promise<void> {
    return writeOwnerTags(this.bull, tags);
  }
}

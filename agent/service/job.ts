/**
 * The agent's jobs as they are stored in the queue and shown by the API.
 * Types only: the queue (`queue.ts`), the worker (`worker.ts`) and the HTTP
 * routes all speak these.
 */
import type { SeverityLevel } from '../../core/match/severity.js';

/** What a job does: scan one target, push the node's branch, or pull main. */
export type JobKind = 'scan' | 'push' | 'pull';

/** A job's life: queued → running → done | failed (running → queued again after a crash or SIGTERM). */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** Who asked for the job. */
export type JobSource = 'api' | 'schedule' | 'once';

/** Where a committed report landed. */
export interface JobReport {
  commit: string;
  branch: string;
  folder: string;
  /** False when the report was byte-identical to the one already committed. */
  changed: boolean;
}

/** One job, as stored under `job:<id>`. */
export interface JobRecord {
  id: string;
  kind: JobKind;
  /** Order of acceptance; the queue runs the lowest first. */
  seq: number;
  status: JobStatus;
  source: JobSource;
  /** Scan jobs: the target as given (a path, later registry://…). */
  target?: string;
  /** Scan jobs: the name the report gives the target. */
  name?: string;
  /** Scan jobs: sign and commit the report. */
  commit?: boolean;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** How many times the job was started (more than one after a crash). */
  attempts: number;
  /** Scan jobs: findings by severity. */
  summary?: Record<string, number>;
  report?: JobReport;
  error?: string;
}

/** What a caller gives to enqueue a job. */
export type JobRequest = Pick<JobRecord, 'kind' | 'source'> & Partial<Pick<JobRecord, 'target' | 'name' | 'commit'>>;

/** One finding as `GET /v1/findings` lists it. */
export interface FindingEntry {
  id: string;
  target: string;
  purl: string;
  name: string;
  installed: string;
  fixed?: string;
  severity: SeverityLevel;
}

/** The last scan of one target, as stored under `latest:<target>`. */
export interface TargetState {
  target: string;
  name: string;
  scanId: string;
  scannedAt: string;
  summary: Record<string, number>;
  report?: JobReport;
  findings: FindingEntry[];
}

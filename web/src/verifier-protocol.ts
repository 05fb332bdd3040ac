// Messages between the pages and the verifier worker (proof checks and audits run off the main
// thread so the page stays responsive and its progress bars move).
import type { SerializedError } from '../../core/index.js'
import type { ProvenBatchSummary } from '../../circuits/index.js'
import type { AuditCheck, AuditReport } from '../../sdk/index.js'

export type VerifierTask =
  | { type: 'proofs'; node: string; rpcUrl: string; datasetId: string }
  | { type: 'audit'; node: string; rpcUrl: string; datasetId: string }
  /** The setup check: a ceremony's files (a folder the auditor picked, never uploaded) and their powers of tau. */
  | { type: 'setup'; node: string; rpcUrl: string; datasetId: string; files: File[]; ptau: File }

export interface ProofsResult {
  ok: boolean
  /** Why the proofs fail, when they do. */
  problem?: string
  /** A stated statistic the proofs contradict. */
  misstated?: { series: number; field: string }
  /** The proofs verify but were made with a retired circuit: its known soundness flaw. */
  knownFlaw?: string
  /** The proofs verify under a development setup: anyone could have made them. */
  setupWarning?: string
  batches: number
  /**
   * When the proofs verify: per series, each batch's proven count, span, min, max and mean, from
   * the public signals of the proofs just verified (no reading).
   */
  summaries?: ProvenBatchSummary[][]
  /** Wall time of verifying the batch proofs alone. */
  seconds: number
  circuitId: string
}

export type VerifierMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'check'; check: AuditCheck }
  | { type: 'proofs'; result: ProofsResult }
  | { type: 'audit'; report: Omit<AuditReport, 'manifest'> & { seconds: number } }
  | { type: 'setup'; check: AuditCheck; seconds: number }
  /** What the task threw, with its class name, category, fields and causes (postMessage would keep only a plain Error). */
  | { type: 'error'; error: SerializedError }

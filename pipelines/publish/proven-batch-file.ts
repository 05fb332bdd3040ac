import type { ProofBundle } from '../../circuits/index.js'

/** One batch's proof as the workspace keeps it (and a prover returns it). */
export interface ProvenBatchFile {
  series: number
  index: number
  count: number
  publicSignals: string[]
  proof: ProofBundle['batches'][number]['proof']
}

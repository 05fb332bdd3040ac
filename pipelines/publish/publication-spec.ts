import type { ProofSystem } from '../../circuits/index.js'
import type { ImportMapping } from '../../core/index.js'
import type { ImportOptions } from '../import/index.js'

/** What a seller asks for, as saved in the publication's workspace (JSON: amounts as strings). */
export interface PublicationSpec {
  title: string
  description: string
  licence: string
  tags: string[]
  /** How to read a CSV/NDJSON file; signed-batch files need none (they carry their own encoding). */
  mapping?: ImportMapping
  listing?: { price: string; paymentToken?: string; accessPeriod?: string; splits?: { account: string; bps: number }[] }
  parent?: { datasetId: string; manifestCid: string }
  /** A stream window: named in the manifest and attached to the stream on-chain at `list`. */
  stream?: { streamId: string; windowIndex: number }
  /** Force a circuit (tests use the small one); default: the narrowest production circuit. */
  circuitId?: string
  /**
   * How the batches are proven: groth16 (snarkjs) or ultrahonk (the statement's Noir port, native
   * bb); default the node's (ASSAY_PROVER). With `circuitId`, that circuit's statement in this system.
   */
  proofSystem?: ProofSystem
  import?: ImportOptions
  /** Fixed when the publication is created, so every retry builds the same manifest. */
  createdAt: string
  /** Name of the seller's file inside the workspace's source/ folder. */
  sourceName: string
}

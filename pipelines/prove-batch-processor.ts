// BullMQ sandboxed processor for one batch proof: runs in a child process, so proving never blocks
// a worker's event loop and a crashed prover takes only its job down (BullMQ retries it).
import '../core/polyfill.js'
import type { Job } from 'bullmq'
import { generateProof } from '../circuits/index.js'
import { loadCircuit } from '../circuits/node.js'
import type { ProveBatchJob } from './publish-flow.js'
import type { ProvenBatchFile } from './publication.js'

const loaded = new Map<string, Awaited<ReturnType<typeof loadCircuit>>>()

export default async function proveBatch(job: Job<ProveBatchJob>): Promise<ProvenBatchFile> {
  const { circuitId, input, series, index, count } = job.data
  let circuit = loaded.get(circuitId)
  if (circuit === undefined) loaded.set(circuitId, (circuit = await loadCircuit(circuitId)))
  const { proof, publicSignals } = await generateProof(circuit, input)
  return { series, index, count, publicSignals, proof: proof as ProvenBatchFile['proof'] }
}

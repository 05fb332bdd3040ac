// A prover child process: proves the batches its parent sends, one at a time, and answers each.
import '../../core/polyfill.js'
import { generateProof } from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'
import { serializeError } from '../../core/index.js'
import type { ProveRequest, ProveResponse } from './prover-pool.js'

const loaded = new Map<string, Awaited<ReturnType<typeof loadCircuit>>>()

process.on('message', (msg: ProveRequest) => {
  void (async (): Promise<ProveResponse> => {
    try {
      const { circuitId, input, series, index, count } = msg.job
      let circuit = loaded.get(circuitId)
      if (circuit === undefined) loaded.set(circuitId, (circuit = await loadCircuit(circuitId)))
      const { proof, publicSignals } = await generateProof(circuit, input)
      return { id: msg.id, result: { series, index, count, publicSignals, proof: proof as never } }
    } catch (err) {
      return { id: msg.id, error: serializeError(err) }
    }
  })().then((response) => process.send!(response))
})
process.on('disconnect', () => process.exit(0)) // the parent went away
process.send!({ ready: true })

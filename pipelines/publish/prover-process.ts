// A prover child process: proves the batches its parent sends, one at a time, and answers each.
import '../../core/polyfill.js'
import { createBatchProver } from '../../circuits/node.js'
import { serializeError } from '../../core/index.js'
import type { ProveRequest, ProveResponse } from './prover-pool.js'

const prove = createBatchProver()

process.on('message', (msg: ProveRequest) => {
  void (async (): Promise<ProveResponse> => {
    try {
      const { circuitId, input, series, index, count } = msg.job
      const { proof, publicSignals } = await prove(circuitId, input)
      return { id: msg.id, result: { series, index, count, publicSignals, proof: proof as never } }
    } catch (err) {
      return { id: msg.id, error: serializeError(err) }
    }
  })().then((response) => process.send!(response))
})
process.on('disconnect', () => process.exit(0)) // the parent went away
process.send!({ ready: true })

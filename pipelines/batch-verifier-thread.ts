// A batch verifier thread: checks the batches its parent sends, one at a time, and answers each.
import '../core/polyfill.js'
import { parentPort } from 'node:worker_threads'
import { createDeviceKey, type SensorStatsParams } from '../circuits/index.js'
import type { VerifyRequest, VerifyResponse } from './batch-verifier.js'
import { signBatchRecord, verifyBatchRecord } from './signed-batch-record.js'

const port = parentPort!
// Build the hash and curve tables and compile the checking code now (hundreds of ms), not while a
// device waits for its first answer: sign a batch with a throwaway key and check it.
const warm = (async () => {
  const params: SensorStatsParams = { batchSize: 4, valueBits: 16, timeBits: 32, gapBits: 8 }
  const device = await createDeviceKey()
  for (let i = 0; i < 3; i++) {
    const batch = await signBatchRecord({
      circuitId: 'warm-up',
      params,
      device,
      series: { metric: 'temperature', unit: 'C', scale: 100, offset: 0 },
      nonce: 1n,
      batchIndex: i,
      last: false,
      batch: { values: [1n, 2n, 3n], times: [1n, 2n, 3n] },
      salt: 7n,
    })
    await verifyBatchRecord(batch, params)
  }
})()
port.on('message', (msg: VerifyRequest) => {
  void (async (): Promise<VerifyResponse> => {
    try {
      await warm
      const { commitment, signed } = await verifyBatchRecord(msg.batch, msg.params)
      return { id: msg.id, commitment: commitment.toString(), signed }
    } catch (err) {
      const e = err as Error & { slot?: number }
      return { id: msg.id, error: { name: e.name, message: e.message, ...(typeof e.slot === 'number' ? { slot: e.slot } : {}) } }
    }
  })().then((response) => port.postMessage(response))
})

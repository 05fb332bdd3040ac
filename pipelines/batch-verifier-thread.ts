// A batch verifier thread: checks the batches its parent sends, one at a time, and answers each.
import '../core/polyfill.js'
import { parentPort } from 'node:worker_threads'
import { BASE8, mulPoint, type SensorStatsParams } from '../circuits/index.js'
import { SIGNED_BATCH_FORMAT } from '../core/index.js'
import type { VerifyRequest, VerifyResponse } from './batch-verifier.js'
import { signedSeriesId, verifyBatchRecord } from './signed-batch-record.js'

const port = parentPort!
// Build the hash and curve tables and compile the checking code now (hundreds of ms), not while a
// device waits for its first answer: check a batch "signed" by a made-up key (the check fails; it
// runs every step). circomlibjs's EdDSA (signing) is never loaded here: it holds ~150 MB of tables.
const warm = (async () => {
  const params: SensorStatsParams = { batchSize: 4, valueBits: 16, timeBits: 32, gapBits: 8 }
  const [x, y] = mulPoint(BASE8, 12_345n)
  const series = { metric: 'temperature', unit: 'C', scale: 100, offset: 0 }
  const seriesId = await signedSeriesId({ Ax: x, Ay: y }, series, 1n, params)
  for (let i = 0; i < 3; i++)
    await verifyBatchRecord(
      {
        format: SIGNED_BATCH_FORMAT,
        circuitId: 'warm-up',
        device: { x: x.toString(), y: y.toString() },
        seriesId: seriesId.toString(),
        nonce: '1',
        ...series,
        batchIndex: i,
        last: false,
        salt: '7',
        times: [1, 2, 3],
        values: [1, 2, 3],
        signature: { R8x: BASE8[0].toString(), R8y: BASE8[1].toString(), S: '1' },
      },
      params,
    )
})()
  .catch(() => undefined) // only a head start: the first real check builds whatever this did not
  // The parent waits for this before it terminates the thread: a thread killed while V8 still
  // compiles the curve's wasm can take the whole process down.
  .then(() => port.postMessage({ ready: true }))
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

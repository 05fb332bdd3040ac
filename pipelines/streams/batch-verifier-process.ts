// A batch verifier child process: checks the batches its parent sends, one at a time, and answers
// each. It exits when its parent goes (the IPC channel closes), however the parent ended.
import '../../core/polyfill.js'
import { serializeError } from '../../core/index.js'
import type { VerifyRequest, VerifyResponse } from './batch-verifier.js'
import { verifyBatchRecord, warmBatchChecks } from '../signed-batches/index.js'

process.on('disconnect', () => process.exit(0))
// Build the hash and curve tables and compile the checking code now, not while a device waits for
// its first answer. circomlibjs's EdDSA (signing) is never loaded here: it holds ~150 MB of tables.
const warm = warmBatchChecks()
process.on('message', (msg: VerifyRequest) => {
  void (async (): Promise<VerifyResponse> => {
    try {
      await warm
      const { commitment, signed } = await verifyBatchRecord(msg.batch, msg.params)
      return { id: msg.id, commitment: commitment.toString(), signed }
    } catch (err) {
      return { id: msg.id, error: serializeError(err) }
    }
  })().then((response) => process.send?.(response))
})
void warm.then(() => process.send?.({ ready: true }))

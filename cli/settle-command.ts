import { generateProof, KEY_TRANSFER_CIRCUIT } from '../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../circuits/node.js'
import type { AssayConfig } from '../core/index.js'
import { createChainClient } from '../contracts/index.js'
import { settleOrder, settleWindow, type SettleOrderComponents, type SettleOutcome } from '../pipelines/index.js'
import { OrderNotFoundError, OrderRefundedError } from '../sdk/index.js'
import { readHexKeyFile } from './hex-key-file.js'
import { parseOrderId, parseWindowIndex } from './order-id.js'
import { buyerWallet, withChain } from './wallet.js'

export interface SettleCommandOptions {
  /** The node whose deployment to use when none is saved (see savedDeployment); it need not be the seller's. */
  node: string
  /** A file holding the dataset's 32-byte data key as hex (a stream window's: that window dataset's). */
  keyFile: string
  /** A stream order's window to settle (the order is then a stream order, `assay subscribe --trustless`). */
  window?: string
  devAccount?: number
  json?: boolean
}

/**
 * `assay settle ORDER --key-file FILE`: what the seller's node does by itself, by hand, for a seller
 * whose node is offline: reads the order, encrypts the data key to the order's buyer key, proves
 * the transfer (circuit key-transfer-v1) and settles. A key that does not open the dataset's
 * anchored commitment is refused before any transaction (KeyCommitmentMismatchError). Whoever
 * holds the key may settle; the payment goes to the dataset's seller and its splits either way.
 * With `--window N` it settles window N of a stream order, with the key of that window's dataset.
 */
export async function settleCommand(
  orderId: string,
  config: AssayConfig,
  o: SettleCommandOptions,
  io: { out: (s: string) => void; err?: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<{ orderId: string; datasetId: string; buyer: string; outcome: 'settled' | 'settled-already'; txHash?: string }> {
  const id = parseOrderId(orderId)
  const windowIndex = o.window !== undefined ? parseWindowIndex(o.window, '--window') : undefined
  const dataKey = await readHexKeyFile(o.keyFile, '--key-file')
  const what = windowIndex === undefined ? `order ${id}` : `order ${id} window ${windowIndex}`
  return withChain(config, o.node, async (_client, chain) => {
    const signer = buyerWallet(config, chain, o.devAccount)
    // The order (or window) and the one dataset whose key the file holds.
    let target: { datasetId: bigint; buyer: string; settle: (c: SettleOrderComponents) => Promise<SettleOutcome> }
    if (windowIndex === undefined) {
      const order = await chain.reader.orderOf(id)
      if (order === undefined) throw new OrderNotFoundError(id)
      target = { datasetId: order.datasetId, buyer: order.buyer, settle: (c) => settleOrder(c, order) }
    } else {
      const order = await chain.reader.streamOrderOf(id)
      if (order === undefined) throw new OrderNotFoundError(id)
      const datasetId = await chain.reader.windowDataset(order.streamId, windowIndex)
      target = { datasetId, buyer: order.buyer, settle: (c) => settleWindow(c, order, windowIndex) }
    }
    try {
      const outcome = await target.settle({
        chain: createChainClient(signer, chain.deployment),
        dataKeyOf: (datasetId) => Promise.resolve(datasetId === target.datasetId ? dataKey : undefined),
        prove: async (input) => {
          if (o.json !== true) io.err?.(`${what}: proving the key transfer for dataset #${target.datasetId}…`)
          return (await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), input)).proof
        },
      })
      const base = { orderId, datasetId: target.datasetId.toString(), buyer: target.buyer }
      if (outcome.outcome === 'closed') {
        if (outcome.status === 'refunded') throw new OrderRefundedError(id, windowIndex)
        if (outcome.status === 'none') throw new OrderNotFoundError(id, windowIndex)
        const result = { ...base, outcome: 'settled-already' as const }
        if (o.json === true) io.out(JSON.stringify(result))
        else io.out(`${what} is settled already: nothing to do`)
        return result
      }
      const result = { ...base, outcome: 'settled' as const, txHash: outcome.txHash }
      if (o.json === true) io.out(JSON.stringify(result))
      else
        io.out(
          `${what} settled (tx ${outcome.txHash}): the key of #${target.datasetId} is on chain, encrypted to ${target.buyer}'s buyer key; ` +
            (windowIndex === undefined ? 'the payment went to the seller' : "the window's share went to the stream's owner"),
        )
      return result
    } finally {
      await releaseProverThreads()
    }
  })
}

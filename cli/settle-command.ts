import { generateProof, KEY_TRANSFER_CIRCUIT } from '../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../circuits/node.js'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { createChainClient } from '../contracts/index.js'
import { settleOrder, settleWindow, type SettleOrderComponents } from '../pipelines/index.js'
import { OrderNotFoundError, OrderRefundedError } from '../sdk/index.js'
import { readHexKeyFile } from './hex-key-file.js'
import { parseOrderId } from './order-id.js'
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
  if (o.window !== undefined && !/^\d+$/.test(o.window))
    throw new ConfigError('--window', `must be a window index (0, 1, …), got ${JSON.stringify(o.window)}`)
  const dataKey = await readHexKeyFile(o.keyFile, '--key-file')
  if (o.window !== undefined) return settleWindowCommand(id, BigInt(o.window), dataKey, config, o, io)
  return withChain(config, o.node, async (_client, chain) => {
    const order = await chain.reader.orderOf(id)
    if (order === undefined) throw new OrderNotFoundError(id)
    const signer = buyerWallet(config, chain, o.devAccount)
    try {
      const outcome = await settleOrder(
        {
          chain: createChainClient(signer, chain.deployment),
          dataKeyOf: (datasetId) => Promise.resolve(datasetId === order.datasetId ? dataKey : undefined),
          prove: async (input) => {
            if (o.json !== true) io.err?.(`order ${id}: proving the key transfer for dataset #${order.datasetId}…`)
            return (await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), input)).proof
          },
        },
        order,
      )
      const base = { orderId, datasetId: order.datasetId.toString(), buyer: order.buyer }
      if (outcome.outcome === 'closed') {
        if (outcome.status === 'refunded') throw new OrderRefundedError(id)
        const result = { ...base, outcome: 'settled-already' as const }
        if (o.json === true) io.out(JSON.stringify(result))
        else io.out(`order ${orderId} is settled already: nothing to do`)
        return result
      }
      const result = { ...base, outcome: 'settled' as const, txHash: outcome.txHash }
      if (o.json === true) io.out(JSON.stringify(result))
      else
        io.out(
          `order ${orderId} settled (tx ${outcome.txHash}): the key of #${order.datasetId} is on chain, encrypted to ${order.buyer}'s buyer key; the payment went to the seller`,
        )
      return result
    } finally {
      await releaseProverThreads()
    }
  })
}

/** `assay settle ORDER --window N --key-file FILE`: one window of a stream order, as the node would. */
async function settleWindowCommand(
  id: bigint,
  windowIndex: bigint,
  dataKey: Uint8Array,
  config: AssayConfig,
  o: SettleCommandOptions,
  io: { out: (s: string) => void; err?: (s: string) => void },
): Promise<{ orderId: string; datasetId: string; buyer: string; outcome: 'settled' | 'settled-already'; txHash?: string }> {
  return withChain(config, o.node, async (_client, chain) => {
    const order = await chain.reader.streamOrderOf(id)
    if (order === undefined) throw new OrderNotFoundError(id)
    const datasetId = await chain.reader.windowDataset(order.streamId, windowIndex)
    const signer = buyerWallet(config, chain, o.devAccount)
    const components: SettleOrderComponents = {
      chain: createChainClient(signer, chain.deployment),
      dataKeyOf: (d) => Promise.resolve(d === datasetId ? dataKey : undefined),
      prove: async (input) => {
        if (o.json !== true) io.err?.(`order ${id} window ${windowIndex}: proving the key transfer for dataset #${datasetId}…`)
        return (await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), input)).proof
      },
    }
    try {
      const outcome = await settleWindow(components, order, windowIndex)
      const base = { orderId: id.toString(), datasetId: datasetId.toString(), buyer: order.buyer }
      if (outcome.outcome === 'closed') {
        if (outcome.status === 'refunded') throw new OrderRefundedError(id, windowIndex)
        if (outcome.status === 'none') throw new OrderNotFoundError(id, windowIndex)
        const result = { ...base, outcome: 'settled-already' as const }
        if (o.json === true) io.out(JSON.stringify(result))
        else io.out(`order ${id} window ${windowIndex} is settled already: nothing to do`)
        return result
      }
      const result = { ...base, outcome: 'settled' as const, txHash: outcome.txHash }
      if (o.json === true) io.out(JSON.stringify(result))
      else
        io.out(
          `order ${id} window ${windowIndex} settled (tx ${outcome.txHash}): the key of #${datasetId} is on chain, encrypted to ${order.buyer}'s buyer key; the window's share went to the stream's owner`,
        )
      return result
    } finally {
      await releaseProverThreads()
    }
  })
}

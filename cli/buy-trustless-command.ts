import { formatEther } from 'ethers'
import type { AssayConfig } from '../core/index.js'
import { readBuyerKeyFile } from './hex-key-file.js'
import { buyerWallet, withDataset } from './wallet.js'

export interface BuyTrustlessCommandOptions {
  node: string
  devAccount?: number
  /** A 32-byte hex buyer key seed instead of the key derived from the wallet's signature. */
  buyerKeyFile?: string
  /** Seconds to wait for the settlement (default 600). */
  timeoutS?: number
  json?: boolean
}

export interface BuyTrustlessResult {
  datasetId: string
  buyer: string
  orderId: string
  openTx: string
  settleTx: string
  price: string
  /** Unix seconds from which an unsettled order could have been refunded. */
  deadline: string
  expiresAt: string
  keyCommitment: string
}

/**
 * `assay buy ID --trustless`: pays into the key escrow instead of the market, waits for the seller
 * (normally its node, automatically) to settle with the data key encrypted to the buyer key and a
 * proof, and opens the key from the settlement on the chain: no request to any node.
 */
export async function buyTrustlessCommand(
  id: string,
  config: AssayConfig,
  o: BuyTrustlessCommandOptions,
  io: { out: (s: string) => void; err?: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<BuyTrustlessResult> {
  const buyerKey = await readBuyerKeyFile(o.buyerKeyFile)
  return withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const signer = buyerWallet(config, chain, o.devAccount)
    // The terms read here, from the buyer's own chain connection, are the ones reported and agreed.
    const agreed = await chain.reader.listingOf(datasetId)
    // buyTrustless opened the key and checked it against the anchored commitment; the chain keeps it.
    const { order, settlement } = await client.buyTrustless(signer, datasetId, {
      agreed,
      buyerKey,
      timeoutMs: (o.timeoutS ?? 600) * 1000,
      onOrder: (opened) => {
        if (o.json !== true)
          io.err?.(
            `opened order ${opened.id} for #${id}, ${formatEther(opened.price)} in escrow (tx ${opened.txHash}); waiting for the seller to settle…`,
          )
      },
    })
    const { keyCommitment } = await chain.reader.anchorPreimageOf(datasetId)
    const result: BuyTrustlessResult = {
      datasetId: id,
      buyer: await signer.getAddress(),
      orderId: order.id.toString(),
      openTx: order.txHash,
      settleTx: settlement.txHash,
      price: order.price.toString(),
      deadline: order.deadline.toString(),
      expiresAt: settlement.expiresAt.toString(),
      keyCommitment: keyCommitment.toString(),
    }
    if (o.json === true) io.out(JSON.stringify(result))
    else
      io.out(
        `order ${order.id} settled (tx ${settlement.txHash}): the key arrived on chain and opens the anchored key commitment of #${id}; ` +
          `\`assay download ${id}\` reads it from there`,
      )
    return result
  })
}

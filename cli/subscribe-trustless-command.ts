import { formatEther } from 'ethers'
import type { AssayConfig } from '../core/index.js'
import { readBuyerKeyFile } from './hex-key-file.js'
import { parseWindowIndex } from './order-id.js'
import { parseDuration } from './publish-command.js'
import { buyerWallet, withChain } from './wallet.js'

export interface SubscribeTrustlessResult {
  streamId: string
  buyer: string
  orderId: string
  txHash: string
  paid: string
  firstWindow: string
  windowCount: string
}

/**
 * `assay subscribe STREAM --trustless`: a trustless subscription. The price of whole periods goes
 * into the key escrow, not to the seller; the stream's node settles each window of the range once
 * it is published (its key encrypted to the buyer key, with a proof), and only then is that
 * window's share paid. `assay stream pull` downloads the settled windows with their keys from the
 * chain; `assay refund ORDER --windows A:B` takes back what was never delivered.
 */
export async function subscribeTrustlessCommand(
  streamId: string,
  config: AssayConfig,
  o: { node: string; period: string; firstWindow?: string; buyerKeyFile?: string; devAccount?: number; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<SubscribeTrustlessResult> {
  const buyerKey = await readBuyerKeyFile(o.buyerKeyFile)
  return withChain(config, o.node, async (client, chain) => {
    const signer = buyerWallet(config, chain, o.devAccount)
    const terms = await chain.reader.streamOf(BigInt(streamId))
    const periods = (parseDuration(o.period) + terms.period - 1n) / terms.period
    const order = await client.openStreamOrder(signer, BigInt(streamId), {
      periods,
      agreedPricePerPeriod: terms.pricePerPeriod,
      buyerKey,
      ...(o.firstWindow !== undefined ? { firstWindow: parseWindowIndex(o.firstWindow, '--first-window') } : {}),
    })
    const result: SubscribeTrustlessResult = {
      streamId,
      buyer: order.buyer,
      orderId: order.id.toString(),
      txHash: order.txHash,
      paid: order.amount.toString(),
      firstWindow: order.firstWindow.toString(),
      windowCount: order.windowCount.toString(),
    }
    if (o.json === true) io.out(JSON.stringify(result))
    else
      io.out(
        `order ${order.id}: ${formatEther(order.amount)} in escrow for windows ${order.firstWindow}..${order.firstWindow + order.windowCount - 1n} ` +
          `of stream ${streamId} (tx ${order.txHash}); each window's share is paid only when its key is delivered to you on chain`,
      )
    return result
  })
}

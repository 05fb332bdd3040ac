import { formatEther } from 'ethers'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { parseOrderId } from './order-id.js'
import { buyerWallet, withChain } from './wallet.js'

/** `--windows A:B` (windows A to B - 1), `A:` (A to the order's end) or `A` (that window alone). */
export function parseWindowRange(text: string): { fromWindow: bigint; toWindow?: bigint } {
  const m = /^(\d+)(?::(\d*))?$/.exec(text)
  if (m === null) throw new ConfigError('--windows', `must be A:B, A: or A (window indexes), got ${JSON.stringify(text)}`)
  const fromWindow = BigInt(m[1]!)
  if (m[2] === undefined) return { fromWindow, toWindow: fromWindow + 1n }
  if (m[2] === '') return { fromWindow }
  const toWindow = BigInt(m[2])
  if (toWindow <= fromWindow) throw new ConfigError('--windows', `the range ${text} is empty`)
  return { fromWindow, toWindow }
}

/**
 * `assay refund ORDER`: pays an unsettled escrow order back to its buyer, from the order's deadline
 * on. Before it, the escrow's own refusal comes back: ContractError DeadlineNotReached(order, deadline).
 * A stream order (`assay subscribe --trustless`) is refunded window by window: its unsettled windows
 * in `--windows` (default: all of them), once the last of those is past its deadline.
 */
export async function refundCommand(
  orderId: string,
  config: AssayConfig,
  o: { node: string; devAccount?: number; windows?: string; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<{ orderId: string; buyer: string; price: string; txHash: string }> {
  const id = parseOrderId(orderId)
  const range = o.windows !== undefined ? parseWindowRange(o.windows) : undefined
  return withChain(config, o.node, async (client, chain) => {
    if (range !== undefined || (await chain.reader.streamOrderOf(id)) !== undefined) {
      const refunded = await client.refundWindows(buyerWallet(config, chain, o.devAccount), id, range ?? {})
      const result = { orderId, buyer: refunded.order.buyer, price: refunded.amount.toString(), txHash: refunded.txHash }
      if (o.json === true) io.out(JSON.stringify(result))
      else
        io.out(
          `order ${orderId}: ${formatEther(refunded.amount)} for undelivered windows back to ${refunded.order.buyer} (tx ${refunded.txHash})`,
        )
      return result
    }
    const refunded = await client.refundOrder(buyerWallet(config, chain, o.devAccount), id)
    const result = { orderId, buyer: refunded.order.buyer, price: refunded.order.price.toString(), txHash: refunded.txHash }
    if (o.json === true) io.out(JSON.stringify(result))
    else io.out(`order ${orderId} refunded: ${formatEther(refunded.order.price)} back to ${refunded.order.buyer} (tx ${refunded.txHash})`)
    return result
  })
}

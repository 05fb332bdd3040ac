import { formatEther } from 'ethers'
import type { AssayConfig } from '../core/index.js'
import { parseOrderId } from './order-id.js'
import { buyerWallet, withChain } from './wallet.js'

/**
 * `assay refund ORDER`: pays an unsettled escrow order back to its buyer, from the order's deadline
 * on. Before it, the escrow's own refusal comes back: ContractError DeadlineNotReached(order, deadline).
 */
export async function refundCommand(
  orderId: string,
  config: AssayConfig,
  o: { node: string; devAccount?: number; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<{ orderId: string; buyer: string; price: string; txHash: string }> {
  const id = parseOrderId(orderId)
  return withChain(config, o.node, async (client, chain) => {
    const refunded = await client.refundOrder(buyerWallet(config, chain, o.devAccount), id)
    const result = { orderId, buyer: refunded.order.buyer, price: refunded.order.price.toString(), txHash: refunded.txHash }
    if (o.json === true) io.out(JSON.stringify(result))
    else io.out(`order ${orderId} refunded: ${formatEther(refunded.order.price)} back to ${refunded.order.buyer} (tx ${refunded.txHash})`)
    return result
  })
}

import { formatEther } from 'ethers'
import type { AssayConfig } from '../core/index.js'
import { buyerWallet, withDataset } from './wallet.js'

/** DataMarket records perpetual access as the largest uint64. */
const PERPETUAL = 2n ** 64n - 1n

/** `assay buy ID`: buys access with the buyer's wallet at the listed price. */
export async function buyCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; devAccount?: number; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<{ datasetId: string; buyer: string; txHash: string; price: string; expiresAt: string }> {
  return withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const signer = buyerWallet(config, chain, o.devAccount)
    // The terms read here, from the buyer's own chain connection, are the ones reported and agreed.
    const listing = await chain.reader.listingOf(datasetId)
    const bought = await client.buy(signer, datasetId, listing)
    const result = {
      datasetId: id,
      buyer: await signer.getAddress(),
      txHash: bought.txHash,
      price: bought.price.toString(),
      expiresAt: bought.expiresAt.toString(),
    }
    if (o.json === true) io.out(JSON.stringify(result))
    else
      io.out(
        `bought access to #${id} for ${formatEther(bought.price)} (tx ${bought.txHash}); ${bought.expiresAt >= PERPETUAL ? 'perpetual' : `until ${new Date(Number(bought.expiresAt) * 1000).toISOString()}`}`,
      )
    return result
  })
}

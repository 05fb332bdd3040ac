import { JsonRpcProvider } from 'ethers'
import { createChainClient, type ChainClient, type Deployment } from '../../contracts/index.js'
import { AssayError } from '../../core/index.js'
import { createAssayClient, type AssayClient } from '../../sdk/index.js'
import { createWallet, type Wallet } from './wallet.js'

const RPC_KEY = 'assay.rpcUrl'

/** What every page works with: the node, the chain (read through an RPC URL), the wallet. */
export interface AppContext {
  node: string
  client: AssayClient
  deployment: Deployment & { rpcUrl?: string }
  /** The RPC URL reads go to: the one the user set, else the node's local chain. */
  rpcUrl(): string | undefined
  setRpcUrl(url: string): void
  /** A reader on the chain. @throws when no RPC URL is known */
  chain(): { provider: JsonRpcProvider; reader: ChainClient }
  wallet: Wallet
}

/** The node runs on an external chain and the user has not said which RPC URL to read it through. */
export class RpcUnknownError extends AssayError {
  // A missing setting, like a ConfigError: the user supplies it.
  override readonly category = 'bad-input' as const
  readonly userTitle = 'No RPC URL'
  constructor() {
    super('No RPC URL for reading the chain: this node runs on an external chain. Set one on the Audit page.')
    this.name = 'RpcUnknownError'
  }
}

export async function createAppContext(node: string): Promise<AppContext> {
  const client = createAssayClient({ node })
  const deployment = await client.deployment()
  let reader: { url: string; provider: JsonRpcProvider; reader: ChainClient } | undefined
  const rpcUrl = (): string | undefined => localStorage.getItem(RPC_KEY) ?? deployment.rpcUrl
  return {
    node,
    client,
    deployment,
    rpcUrl,
    setRpcUrl(url) {
      if (url.trim() === '' || url === deployment.rpcUrl) localStorage.removeItem(RPC_KEY)
      else localStorage.setItem(RPC_KEY, url.trim())
    },
    chain() {
      const url = rpcUrl()
      if (url === undefined) throw new RpcUnknownError()
      if (reader?.url !== url) {
        reader?.provider.destroy()
        // No request cache: pages read the head right after a transaction.
        const provider = new JsonRpcProvider(url, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 })
        reader = { url, provider, reader: createChainClient(provider, deployment) }
      }
      return reader
    },
    wallet: createWallet(deployment.chainId, deployment.rpcUrl),
  }
}

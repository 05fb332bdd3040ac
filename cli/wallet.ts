import { HDNodeWallet, JsonRpcProvider, NonceManager, Wallet, type Signer } from 'ethers'
import { ConfigError, DEV_MNEMONIC, type AssayConfig } from '../core/index.js'
import { createChainClient, type ChainClient, type Deployment } from '../contracts/index.js'
import { createAssayClient, type AssayClient } from '../sdk/index.js'
import { savedDeployment } from './saved-deployment.js'

/** Chain ids of development chains, where anvil's public test accounts may be used. */
const DEV_CHAINS = new Set([31337])

export interface ChainAccess {
  provider: JsonRpcProvider
  deployment: Deployment
  /** Read-only chain client. */
  reader: ChainClient
  close(): void
}

/** The chain the node works with: RPC_URL, or the node's own local chain when it publishes its URL. */
export async function connectChain(config: AssayConfig, client: AssayClient): Promise<ChainAccess> {
  const { rpcUrl: nodeRpc, ...deployment } = await client.deployment()
  const rpcUrl = config.rpcUrl ?? nodeRpc
  if (rpcUrl === undefined)
    throw new ConfigError('RPC_URL', 'is needed: the node runs on an external chain and does not publish its RPC URL')
  const provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 })
  return { provider, deployment, reader: createChainClient(provider, deployment), close: () => provider.destroy() }
}

/** The buyer's wallet: PRIVATE_KEY, or `--dev-account N` (anvil's test account N) on a development chain. */
export function buyerWallet(config: AssayConfig, chain: ChainAccess, devAccount?: number): Signer {
  if (config.privateKey !== undefined) return new NonceManager(new Wallet(config.privateKey, chain.provider))
  if (devAccount !== undefined) {
    if (!DEV_CHAINS.has(chain.deployment.chainId))
      throw new ConfigError('--dev-account', `test accounts only exist on a development chain, not on chain ${chain.deployment.chainId}`)
    if (!Number.isInteger(devAccount) || devAccount < 0 || devAccount > 99) throw new ConfigError('--dev-account', 'must be 0 to 99')
    return new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${devAccount}`).connect(chain.provider))
  }
  throw new ConfigError('PRIVATE_KEY', 'a wallet is needed: set PRIVATE_KEY, or pass --dev-account N on the local development chain')
}

/**
 * Runs a dataset command: checks the id, and gives `fn` a client of the node and the chain the node
 * works with (closed afterwards).
 */
export async function withDataset<T>(
  id: string,
  config: AssayConfig,
  node: string,
  fn: (datasetId: bigint, client: AssayClient, chain: ChainAccess) => Promise<T>,
): Promise<T> {
  if (!/^[1-9]\d*$/.test(id)) throw new ConfigError('ID', 'must be a dataset id')
  return withChain(config, node, (client, chain) => fn(BigInt(id), client, chain))
}

/**
 * Runs a command with a client of the node and the chain (closed afterwards). With RPC_URL and a
 * saved deployment (savedDeployment: ASSAY_DEPLOYMENT, or the data dir's), the node is not asked
 * for the deployment, so the chain-only commands (settle, refund, waiting for a key) work while
 * it is down.
 */
export async function withChain<T>(
  config: AssayConfig,
  node: string,
  fn: (client: AssayClient, chain: ChainAccess) => Promise<T>,
): Promise<T> {
  const deployment = await savedDeployment(config)
  const client = createAssayClient({ node, ...(deployment !== undefined ? { deployment } : {}) })
  const chain = await connectChain(config, client)
  try {
    return await fn(client, chain)
  } finally {
    chain.close()
  }
}

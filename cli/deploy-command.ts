import { existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { JsonRpcProvider, NonceManager, Wallet, type Signer } from 'ethers'
import { committedSetupRecordDigests } from '../circuits/node.js'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { deployContracts, DeploymentError } from '../contracts/index.js'
import { ensureDeployment } from '../contracts/node.js'

export interface DeployCommandOptions {
  network: string
  feeBps: number
  treasury?: string
  testStablecoin: boolean
  force: boolean
}

/** `assay deploy`: deploys to RPC_URL (saving the addresses under the data dir) or dry-runs on Hardhat. */
export async function deployCommand(
  config: AssayConfig,
  options: DeployCommandOptions,
  log: (msg: string) => void = console.log,
): Promise<void> {
  if (!Number.isInteger(options.feeBps) || options.feeBps < 0 || options.feeBps > 1000)
    throw new ConfigError('--fee-bps', 'must be an integer from 0 to 1000 (10%)')
  const deployOptions = {
    feeBps: options.feeBps,
    treasury: options.treasury,
    testStablecoin: options.testStablecoin,
    // Whoever serves these datasets must hold the records too: the node stores its build's on start.
    setupRecords: await committedSetupRecordDigests(),
    log,
  }
  if (options.network === 'hardhat') {
    const hre = ((await import('hardhat')) as unknown as { default: { ethers: { getSigners(): Promise<Signer[]> } } }).default
    const [signer] = await hre.ethers.getSigners()
    const deployment = await deployContracts(signer!, deployOptions)
    log(JSON.stringify(deployment, null, 2))
    return
  }
  if (options.network !== 'rpc') throw new ConfigError('--network', 'must be rpc or hardhat')
  if (config.rpcUrl === undefined || config.privateKey === undefined)
    throw new ConfigError('RPC_URL', 'deploying needs RPC_URL and PRIVATE_KEY (the embedded chain deploys by itself on `assay node`)')
  const provider = new JsonRpcProvider(config.rpcUrl)
  try {
    const signer = new NonceManager(new Wallet(config.privateKey, provider))
    const chainId = Number((await provider.getNetwork()).chainId)
    const file = join(config.dataDir, 'chain', `deployment-${chainId}.json`)
    if (existsSync(file)) {
      if (!options.force) throw new DeploymentError(`${file} exists: contracts are deployed on chain ${chainId} (--force to deploy again)`)
      const kept = `${file}.${Date.now()}.bak`
      await rename(file, kept) // the old addresses are kept, never overwritten
      log(`previous deployment kept as ${kept}`)
    }
    const { deployment } = await ensureDeployment(file, signer, deployOptions)
    log(`deployed on chain ${chainId}; addresses saved to ${file}`)
    log(JSON.stringify(deployment.contracts, null, 2))
  } finally {
    provider.destroy()
  }
}

import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { JsonRpcProvider } from 'ethers'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { parseDeployment, type Deployment } from '../contracts/index.js'
import { createAssayClient } from '../sdk/index.js'

/**
 * The deployment a command can use without asking its node, on RPC_URL's chain: ASSAY_DEPLOYMENT
 * (a file, or another node's address or /deployment URL), else the one saved under the data dir
 * for that chain (`<ASSAY_DATA_DIR>/chain/deployment-<chainId>.json`, as `assay node` and
 * `assay deploy` write it). Undefined without RPC_URL or anything saved: the node's then. What a
 * seller whose node is down needs to `assay settle`, and a buyer to wait for a key or refund.
 *
 * @throws {ConfigError} when ASSAY_DEPLOYMENT cannot be read or is for another chain
 */
export async function savedDeployment(config: AssayConfig): Promise<Deployment | undefined> {
  if (config.rpcUrl === undefined) return undefined
  const probe = new JsonRpcProvider(config.rpcUrl)
  let chainId: number
  try {
    chainId = Number((await probe.getNetwork()).chainId)
  } finally {
    probe.destroy()
  }
  const source = config.deploymentSource ?? join(config.dataDir, 'chain', `deployment-${chainId}.json`)
  if (config.deploymentSource === undefined && !existsSync(source)) return undefined
  let deployment: Deployment
  try {
    deployment = /^https?:\/\//.test(source)
      ? await createAssayClient({ node: source, signal: AbortSignal.timeout(10_000) }).deployment()
      : parseDeployment(JSON.parse(await readFile(source, 'utf8')))
  } catch (err) {
    throw new ConfigError('ASSAY_DEPLOYMENT', `cannot read a deployment from ${source}: ${(err as Error).message}`, { cause: err })
  }
  if (deployment.chainId !== chainId)
    throw new ConfigError('ASSAY_DEPLOYMENT', `${source} is for chain ${deployment.chainId}, but RPC_URL is chain ${chainId}`)
  const { rpcUrl: _ignored, ...rest } = deployment as Deployment & { rpcUrl?: string }
  return rest
}

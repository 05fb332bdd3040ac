import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Signer } from 'ethers'
import { contractsCodeHash, deployContracts, installableVerifierSlots, type DeployOptions } from './deploy-contracts.js'
import { DeploymentError, parseDeployment, VERIFIER_SLOTS, type Deployment } from './deployment.js'

/**
 * Reads a saved deployment and checks it against this build (same contract code) and the chain
 * (same chain id, code at every address).
 */
export async function loadDeployment(file: string, signer: Signer): Promise<Deployment> {
  let deployment: Deployment
  if (!existsSync(file)) throw new DeploymentError(`no deployment at ${file}: run \`assay deploy\` for this chain first`)
  try {
    deployment = parseDeployment(JSON.parse(await readFile(file, 'utf8')))
  } catch (err) {
    if (err instanceof DeploymentError) throw new DeploymentError(`${file}: ${err.message}`, { cause: err })
    throw new DeploymentError(`${file}: not readable JSON`, { cause: err })
  }
  const built = contractsCodeHash({
    testStablecoin: deployment.contracts.testStablecoin !== undefined,
    // Every Groth16 slot is always installed; UltraHonk ones when they were built and had a record.
    circuits: [...VERIFIER_SLOTS.filter((s) => s.system === 'groth16').map((s) => s.circuitId), ...Object.keys(deployment.verifiers)],
  })
  if (deployment.codeHash !== built)
    throw new DeploymentError(
      `${file}: ${deployment.codeHash === undefined ? 'records no code hash' : `was deployed from contract code ${deployment.codeHash}`}, ` +
        `but this build's contracts hash to ${built}: the contracts changed since, so deploy again ` +
        '(`assay deploy`; the embedded chain redeploys by itself)',
    )
  const provider = signer.provider
  if (provider === null) throw new DeploymentError('the signer has no provider')
  const chainId = Number((await provider.getNetwork()).chainId)
  if (chainId !== deployment.chainId)
    throw new DeploymentError(`${file} is for chain ${deployment.chainId}, but the node is on chain ${chainId}`)
  const addresses = [...Object.values(deployment.contracts), ...Object.values(deployment.verifiers).map((v) => v.address)]
  for (const address of addresses) {
    if ((await provider.getCode(address)) === '0x')
      throw new DeploymentError(`${file}: no contract at ${address} on chain ${chainId} (was the chain reset?)`)
  }
  return deployment
}

/**
 * The deployment saved at `file`, or a new one (deployed with `signer` and saved) when there is
 * none yet: the embedded chain deploys once, on first start. A saved deployment whose contracts
 * are missing from the chain, or were built from other contract code, is an error, never silently
 * replaced, unless `redeployIfMissing` (then `log` says why).
 */
export async function ensureDeployment(
  file: string,
  signer: Signer,
  options: DeployOptions & { redeployIfMissing?: boolean },
): Promise<{ deployment: Deployment; deployed: boolean }> {
  if (existsSync(file)) {
    try {
      const deployment = await loadDeployment(file, signer)
      const slots = installableVerifierSlots(options.setupRecords)
      const missing = slots.filter((s) => deployment.verifiers[s.circuitId] === undefined)
      // A key from a new setup (a ceremony installed) has another record: its verifier is another contract.
      const changed = slots.filter(
        (s) =>
          deployment.verifiers[s.circuitId] !== undefined &&
          deployment.verifiers[s.circuitId]!.setupRecord !== options.setupRecords[s.circuitId],
      )
      if (missing.length === 0 && changed.length === 0) return { deployment, deployed: false }
      if (options.redeployIfMissing !== true)
        throw new DeploymentError(
          missing.length > 0
            ? `${file} lacks verifiers for ${missing.map((m) => m.circuitId).join(', ')}; deploy again`
            : `${file} anchors other setup records for ${changed.map((m) => m.circuitId).join(', ')} than this build's; deploy again`,
        )
    } catch (err) {
      if (options.redeployIfMissing !== true) throw err
      options.log?.(`${(err as Error).message.split(': deploy again')[0]}: deploying afresh`)
    }
  }
  const deployment = await deployContracts(signer, options)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`)
  await rename(`${file}.tmp`, file)
  return { deployment, deployed: true }
}

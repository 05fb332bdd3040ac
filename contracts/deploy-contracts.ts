import { concat, ContractFactory, keccak256, type ContractTransactionResponse, type InterfaceAbi, type Signer } from 'ethers'
import * as abis from './generated/abis.js'
import type { DatasetRegistry } from './generated/contract-types.js'
import { DeploymentError, VERIFIER_SLOTS, type Deployment } from './deployment.js'
import { typedContract } from './typed-contract.js'

export interface DeployOptions {
  /**
   * The sha256 (bytes32, `0x`-hex) of each circuit's setup record, anchored with its verifier
   * (circuits' `committedSetupRecords`). Every slot needs one; the caller stores the records in IPFS.
   */
  setupRecords: Record<string, string>
  /**
   * Verifiers compiled from keys this build does not hold yet, by circuit id (a finalized
   * ceremony's exported Solidity, compiled); every other slot gets the build's verifier. Their
   * setup record digests must name those keys.
   */
  verifierCode?: Record<string, Named>
  /** Receives protocol fees (default: the deployer). */
  treasury?: string
  /** Protocol fee in basis points (default 250 = 2.5%). */
  feeBps?: number
  /** Holder of the admin roles (default: the deployer). */
  admin?: string
  /** ERC-1155 metadata URI template of access tokens. */
  tokenUri?: string
  /** Also deploy the development stablecoin (local chains). */
  testStablecoin?: boolean
  /** Reports each step. */
  log?: (msg: string) => void
}

/** A compiled contract. */
export type CompiledContract = { abi: InterfaceAbi; bytecode: string }
type Named = CompiledContract

/** What `deployContracts` deploys, in order (verifiers by slot). */
function deployedNames(testStablecoin: boolean): string[] {
  return [
    'PoseidonT3',
    'DeviceRegistry',
    'DatasetRegistry',
    ...VERIFIER_SLOTS.map((s) => s.contract),
    'DataMarket',
    ...(testStablecoin ? ['TestStablecoin'] : []),
  ]
}

/**
 * keccak256 over the creation code of every contract a deployment holds, as this build compiled
 * them. Saved with a deployment; a different value means the contracts changed since.
 */
export function contractsCodeHash(options: { testStablecoin: boolean; verifierCode?: Record<string, Named> }): string {
  const code = (name: string): string => {
    const slot = VERIFIER_SLOTS.find((s) => s.contract === name)
    return (slot !== undefined ? options.verifierCode?.[slot.circuitId] : undefined)?.bytecode ?? artifact(name).bytecode
  }
  return keccak256(concat(deployedNames(options.testStablecoin).map((name) => keccak256(code(name)))))
}

function artifact(name: string): Named {
  const key = name.charAt(0).toLowerCase() + name.slice(1)
  const table = abis as unknown as Record<string, unknown>
  const abi = table[`${key}Abi`]
  const bytecode = table[`${key}Bytecode`]
  if (abi === undefined || typeof bytecode !== 'string' || bytecode === '0x')
    throw new DeploymentError(`contract ${name} is not in contracts/generated/abis.ts (run npm run build)`)
  return { abi: abi as InterfaceAbi, bytecode }
}

async function deploy(
  signer: Signer,
  name: string,
  args: unknown[],
  code: Named = artifact(name),
): Promise<{ address: string; block: number }> {
  const { abi, bytecode } = code
  try {
    const contract = await new ContractFactory(abi, bytecode, signer).deploy(...args)
    const receipt = await contract.deploymentTransaction()!.wait()
    return { address: await contract.getAddress(), block: receipt!.blockNumber }
  } catch (err) {
    throw new DeploymentError(`deploying ${name} failed: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`, {
      cause: err,
    })
  }
}

/**
 * Deploys Assay's contracts with `signer` and wires them: PoseidonT3, DeviceRegistry,
 * DatasetRegistry with every SensorStats verifier in its slot, DataMarket (and tUSD when asked).
 * Works on any EVM chain: Hardhat's network, the embedded anvil, or an RPC endpoint.
 */
export async function deployContracts(signer: Signer, options: DeployOptions): Promise<Deployment> {
  const log = options.log ?? ((): void => undefined)
  const deployer = await signer.getAddress()
  const admin = options.admin ?? deployer
  if (signer.provider === null) throw new DeploymentError('the signer has no provider')
  const network = await signer.provider.getNetwork()

  const poseidon = await deploy(signer, 'PoseidonT3', [])
  log(`PoseidonT3 ${poseidon.address}`)
  const devices = await deploy(signer, 'DeviceRegistry', [poseidon.address])
  log(`DeviceRegistry ${devices.address}`)
  const datasets = await deploy(signer, 'DatasetRegistry', [devices.address, poseidon.address, deployer])
  log(`DatasetRegistry ${datasets.address}`)
  const registry = typedContract<DatasetRegistry>(datasets.address, abis.datasetRegistryAbi, signer)
  const transact = async (tx: Promise<ContractTransactionResponse>): Promise<void> => {
    await (await tx).wait()
  }
  const verifiers: Deployment['verifiers'] = {}
  for (const { slot, circuitId, contract } of VERIFIER_SLOTS) {
    const setupRecord = options.setupRecords[circuitId]
    if (setupRecord === undefined || !/^0x[0-9a-f]{64}$/.test(setupRecord))
      throw new DeploymentError(`no setup record digest for circuit ${circuitId}: every verifier is anchored with one`)
    const verifier = await deploy(signer, contract, [], options.verifierCode?.[circuitId])
    await transact(registry.setVerifier(slot, verifier.address, setupRecord))
    verifiers[circuitId] = { slot, address: verifier.address, setupRecord }
    log(`${contract} ${verifier.address} in slot ${slot}`)
  }
  if (admin !== deployer) {
    await transact(registry.grantRole(await registry.DEFAULT_ADMIN_ROLE(), admin))
    await transact(registry.renounceRole(await registry.DEFAULT_ADMIN_ROLE(), deployer))
  }
  const market = await deploy(signer, 'DataMarket', [
    datasets.address,
    options.treasury ?? deployer,
    options.feeBps ?? 250,
    admin,
    options.tokenUri ?? 'assay://datasets/{id}',
  ])
  log(`DataMarket ${market.address}`)
  const stablecoin = options.testStablecoin === true ? await deploy(signer, 'TestStablecoin', [deployer]) : undefined
  if (stablecoin !== undefined) log(`TestStablecoin ${stablecoin.address}`)

  return {
    version: 1,
    chainId: Number(network.chainId),
    deployer,
    startBlock: poseidon.block,
    contracts: {
      poseidonT3: poseidon.address,
      deviceRegistry: devices.address,
      datasetRegistry: datasets.address,
      dataMarket: market.address,
      ...(stablecoin !== undefined ? { testStablecoin: stablecoin.address } : {}),
    },
    verifiers,
    codeHash: contractsCodeHash({
      testStablecoin: stablecoin !== undefined,
      ...(options.verifierCode !== undefined ? { verifierCode: options.verifierCode } : {}),
    }),
  }
}

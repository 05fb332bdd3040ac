import { concat, ContractFactory, keccak256, type ContractTransactionResponse, type InterfaceAbi, type Signer } from 'ethers'
import * as abis from './generated/abis.js'
import type { DataMarket, DatasetRegistry } from './generated/contract-types.js'
import { DeploymentError, proofSystemValue, VERIFIER_SLOTS, type Deployment, type VerifierSlot } from './deployment.js'
import { deployLinked } from './deploy-linked.js'
import { typedContract } from './typed-contract.js'

export interface DeployOptions {
  /**
   * The sha256 (bytes32, `0x`-hex) of each circuit's setup record, anchored with its verifier
   * (circuits' `committedSetupRecords`). Every Groth16 slot needs one; an UltraHonk slot is
   * installed when its verifier was built and it has one, and left empty otherwise (logged). The
   * caller stores the records in IPFS.
   */
  setupRecords: Record<string, string>
  /**
   * Verifiers compiled from keys this build does not hold yet, by circuit id (a finalized
   * ceremony's exported Solidity, compiled); every other slot gets the build's verifier. Their
   * setup record digests must name those keys. Groth16 slots only.
   */
  verifierCode?: Record<string, Named>
  /** Receives protocol fees (default: the deployer). */
  treasury?: string
  /** Protocol fee in basis points (default 250 = 2.5%). */
  feeBps?: number
  /**
   * Seconds from opening a key-escrow order to its deadline, after which the buyer may take the
   * payment back (default 86 400: one day; at most 30 days).
   */
  settlementWindow?: number
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

const honkCodeHashes = abis.honkVerifierCodeHashes as Readonly<Record<string, string>>

/**
 * The verifier slots a deployment installs: every Groth16 slot, and each UltraHonk slot whose
 * verifier this build compiled (contracts/src/generated/<contract>.sol) and, when `setupRecords`
 * is given, that has a setup record digest there.
 */
export function installableVerifierSlots(setupRecords?: Record<string, string>): VerifierSlot[] {
  return VERIFIER_SLOTS.filter(
    (s) =>
      s.system === 'groth16' ||
      (honkCodeHashes[s.contract] !== undefined && (setupRecords === undefined || setupRecords[s.circuitId] !== undefined)),
  )
}

/** What `deployContracts` deploys, in order (verifiers by slot; `circuits`: the verifier slots installed). */
function deployedNames(testStablecoin: boolean, circuits: readonly string[]): string[] {
  return [
    'PoseidonT3',
    'DeviceRegistry',
    'DatasetRegistry',
    ...VERIFIER_SLOTS.filter((s) => circuits.includes(s.circuitId)).map((s) => s.contract),
    'DataMarket',
    'KeyTransferVerifier',
    'KeyEscrow',
    ...(testStablecoin ? ['TestStablecoin'] : []),
  ]
}

/**
 * keccak256 over the creation code of every contract a deployment holds, as this build compiled
 * them (an UltraHonk verifier: its code and its libraries'). Saved with a deployment; a different
 * value means the contracts changed since. `circuits`: the circuit ids whose verifier slots the
 * deployment installed (default: `installableVerifierSlots()`).
 */
export function contractsCodeHash(options: {
  testStablecoin: boolean
  verifierCode?: Record<string, Named>
  circuits?: readonly string[]
}): string {
  const circuits = options.circuits ?? installableVerifierSlots().map((s) => s.circuitId)
  const codeHash = (name: string): string => {
    const slot = VERIFIER_SLOTS.find((s) => s.contract === name)
    if (slot?.system === 'ultrahonk') {
      const hash = honkCodeHashes[name]
      if (hash === undefined) throw new DeploymentError(`UltraHonk verifier ${name} is not built (run npm run build:contracts)`)
      return hash
    }
    return keccak256((slot !== undefined ? options.verifierCode?.[slot.circuitId] : undefined)?.bytecode ?? artifact(name).bytecode)
  }
  return keccak256(concat(deployedNames(options.testStablecoin, circuits).map(codeHash)))
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
 * Deploys an UltraHonk verifier: its libraries first (each once, recursively), their addresses
 * linked into the code that names them (contracts/generated/honk-verifiers.ts, loaded only here).
 */
export async function deployHonkVerifier(
  signer: Signer,
  name: string,
  log: (msg: string) => void = () => undefined,
): Promise<{ address: string; libraries: Record<string, string> }> {
  const { honkArtifacts } = await import('./generated/honk-verifiers.js')
  const artifactOf = (contract: string): (typeof honkArtifacts)[string] => {
    const a = honkArtifacts[contract]
    if (a === undefined)
      throw new DeploymentError(`contract ${contract} is not in contracts/generated/honk-verifiers.ts (run npm run build)`)
    return a
  }
  const deployed = await deployLinked(name, artifactOf, async (contract, bytecode) => {
    const { address } = await deploy(signer, contract, [], { abi: artifactOf(contract).abi as InterfaceAbi, bytecode })
    if (contract !== name) log(`${contract} ${address} (library of ${name})`)
    return address
  })
  const address = deployed.get(name)!
  deployed.delete(name)
  return { address, libraries: Object.fromEntries(deployed) }
}

/**
 * Deploys Assay's contracts with `signer` and wires them: PoseidonT3, DeviceRegistry,
 * DatasetRegistry with every SensorStats verifier in its slot, DataMarket, the key-transfer
 * verifier and KeyEscrow (holding DataMarket's ESCROW_ROLE), and tUSD when asked.
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
  const installed = installableVerifierSlots(options.setupRecords)
  for (const { slot, circuitId, contract, system } of VERIFIER_SLOTS) {
    if (!installed.some((s) => s.slot === slot)) {
      log(
        `${contract} (UltraHonk, slot ${slot}) ${honkCodeHashes[contract] === undefined ? 'is not built' : 'has no setup record'}: slot left empty`,
      )
      continue
    }
    const setupRecord = options.setupRecords[circuitId]
    if (setupRecord === undefined || !/^0x[0-9a-f]{64}$/.test(setupRecord))
      throw new DeploymentError(`no setup record digest for circuit ${circuitId}: every verifier is anchored with one`)
    if (system === 'ultrahonk' && options.verifierCode?.[circuitId] !== undefined)
      throw new DeploymentError(`circuit ${circuitId} is UltraHonk: verifierCode replaces Groth16 verifiers only`)
    const verifier =
      system === 'ultrahonk'
        ? await deployHonkVerifier(signer, contract, log)
        : await deploy(signer, contract, [], options.verifierCode?.[circuitId])
    await transact(registry.setVerifier(slot, verifier.address, setupRecord, proofSystemValue(system)))
    verifiers[circuitId] = { slot, address: verifier.address, setupRecord, system }
    log(`${contract} ${verifier.address} in slot ${slot} (${system})`)
  }
  if (admin !== deployer) {
    await transact(registry.grantRole(await registry.DEFAULT_ADMIN_ROLE(), admin))
    await transact(registry.renounceRole(await registry.DEFAULT_ADMIN_ROLE(), deployer))
  }
  // The deployer administers the market until the escrow holds ESCROW_ROLE, then hands over.
  const market = await deploy(signer, 'DataMarket', [
    datasets.address,
    options.treasury ?? deployer,
    options.feeBps ?? 250,
    deployer,
    options.tokenUri ?? 'assay://datasets/{id}',
  ])
  log(`DataMarket ${market.address}`)
  const keyTransferVerifier = await deploy(signer, 'KeyTransferVerifier', [])
  log(`KeyTransferVerifier ${keyTransferVerifier.address}`)
  const escrow = await deploy(signer, 'KeyEscrow', [
    market.address,
    datasets.address,
    keyTransferVerifier.address,
    options.settlementWindow ?? 86_400,
  ])
  log(`KeyEscrow ${escrow.address}`)
  const marketContract = typedContract<DataMarket>(market.address, abis.dataMarketAbi, signer)
  await transact(marketContract.grantRole(await marketContract.ESCROW_ROLE(), escrow.address))
  if (admin !== deployer) {
    for (const role of [await marketContract.FEE_ADMIN_ROLE(), await marketContract.DEFAULT_ADMIN_ROLE()]) {
      await transact(marketContract.grantRole(role, admin))
      await transact(marketContract.renounceRole(role, deployer))
    }
  }
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
      keyTransferVerifier: keyTransferVerifier.address,
      keyEscrow: escrow.address,
      ...(stablecoin !== undefined ? { testStablecoin: stablecoin.address } : {}),
    },
    verifiers,
    codeHash: contractsCodeHash({
      testStablecoin: stablecoin !== undefined,
      circuits: Object.keys(verifiers),
      ...(options.verifierCode !== undefined ? { verifierCode: options.verifierCode } : {}),
    }),
  }
}

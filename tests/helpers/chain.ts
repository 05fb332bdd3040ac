// Contract fixtures on Hardhat's in-process network, deployed through the real deploy code.
import { committedSetupRecordDigests } from '../../circuits/node.js'
import { Contract, type InterfaceAbi, type Signer } from 'ethers'
import {
  createChainClient,
  dataMarketAbi,
  datasetRegistryAbi,
  deployContracts,
  deviceRegistryAbi,
  testStablecoinAbi,
  type ChainClient,
  type Deployment,
} from '../../contracts/index.js'

interface HardhatRuntime {
  ethers: {
    getSigners(): Promise<Array<Signer & { address: string }>>
    deployContract(name: string, args?: unknown[]): Promise<Contract>
    provider: { send(method: string, params: unknown[]): Promise<unknown> }
  }
}

export async function hardhat(): Promise<HardhatRuntime> {
  return ((await import('hardhat')) as unknown as { default: HardhatRuntime }).default
}

/** loadFixture from hardhat-network-helpers: snapshots the chain after the first run. */
export async function loadFixture<T>(fixture: () => Promise<T>): Promise<T> {
  const helpers = (await import('@nomicfoundation/hardhat-network-helpers')) as unknown as {
    loadFixture<U>(f: () => Promise<U>): Promise<U>
  }
  return helpers.loadFixture(fixture)
}

export async function increaseTime(seconds: number): Promise<void> {
  const helpers = (await import('@nomicfoundation/hardhat-network-helpers')) as unknown as {
    time: { increase(s: number): Promise<number> }
  }
  await helpers.time.increase(seconds)
}

export interface AssayFixture {
  deployment: Deployment
  signers: Array<Signer & { address: string }>
  deployer: Signer & { address: string }
  treasury: Signer & { address: string }
  devices: Contract
  datasets: Contract
  market: Contract
  stablecoin: Contract
  /** A chain client signing as `signer`. */
  client: (signer: Signer) => ChainClient
}

/** The whole system as `assay node` deploys it (2.5% fee to a separate treasury, tUSD). */
export async function deployAssay(): Promise<AssayFixture> {
  const { ethers } = await hardhat()
  const signers = await ethers.getSigners()
  const [deployer, treasury] = signers as [Signer & { address: string }, Signer & { address: string }]
  const deployment = await deployContracts(deployer, {
    treasury: treasury.address,
    feeBps: 250,
    testStablecoin: true,
    setupRecords: await committedSetupRecordDigests(),
  })
  const at = (address: string, abi: unknown): Contract => new Contract(address, abi as InterfaceAbi, deployer)
  return {
    deployment,
    signers,
    deployer,
    treasury,
    devices: at(deployment.contracts.deviceRegistry, deviceRegistryAbi),
    datasets: at(deployment.contracts.datasetRegistry, datasetRegistryAbi),
    market: at(deployment.contracts.dataMarket, dataMarketAbi),
    stablecoin: at(deployment.contracts.testStablecoin!, testStablecoinAbi),
    client: (signer) => createChainClient(signer, deployment),
  }
}

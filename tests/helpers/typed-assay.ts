// The contract fixture with its contracts typed by their generated interfaces (contracts/generated/
// contract-types.ts), so a function renamed or changed in Solidity is a type error in the tests too.
import type { ContractRunner } from 'ethers'
import {
  dataMarketAbi,
  datasetRegistryAbi,
  deviceRegistryAbi,
  testStablecoinAbi,
  typedContract,
  type DataMarket,
  type DatasetRegistry,
  type DeviceRegistry,
  type TestStablecoin,
  type TypedContract,
} from '../../contracts/index.js'
import { deployAssay, type AssayFixture } from './chain.js'

/** deployAssay's fixture, each contract typed and signing as the deployer. */
export interface TypedAssay extends Omit<AssayFixture, 'devices' | 'datasets' | 'market' | 'stablecoin'> {
  devices: TypedContract<DeviceRegistry>
  datasets: TypedContract<DatasetRegistry>
  market: TypedContract<DataMarket>
  stablecoin: TypedContract<TestStablecoin>
}

/** The whole system as deployAssay deploys it, its contracts typed (pass it to loadFixture from a test's own fixture). */
export async function deployTypedAssay(): Promise<TypedAssay> {
  const f = await deployAssay()
  const { contracts } = f.deployment
  return {
    ...f,
    devices: typedContract<DeviceRegistry>(contracts.deviceRegistry, deviceRegistryAbi, f.deployer),
    datasets: typedContract<DatasetRegistry>(contracts.datasetRegistry, datasetRegistryAbi, f.deployer),
    market: typedContract<DataMarket>(contracts.dataMarket, dataMarketAbi, f.deployer),
    stablecoin: typedContract<TestStablecoin>(contracts.testStablecoin!, testStablecoinAbi, f.deployer),
  }
}

/** `contract` signing as `runner`, still typed by F (ethers' own connect returns an untyped BaseContract). */
export function connected<F>(contract: TypedContract<F>, runner: ContractRunner): TypedContract<F> {
  const { target } = contract
  if (typeof target !== 'string') throw new TypeError('connected needs a contract made at an address (typedContract)')
  return typedContract<F>(target, contract.interface.fragments, runner)
}

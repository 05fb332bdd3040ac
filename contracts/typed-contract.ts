import { Contract, type BaseContract, type ContractRunner, type InterfaceAbi } from 'ethers'

/**
 * A contract whose functions are typed by its generated interface F (contracts/generated/contract-types.ts,
 * e.g. DataMarket): a function renamed or changed in Solidity is a type error at every call.
 */
export type TypedContract<F> = BaseContract & F

/** The contract at `address` with `abi`, typed as F: pass F and the ABI of the same contract (`DataMarket`, `dataMarketAbi`). */
export function typedContract<F>(address: string, abi: InterfaceAbi, runner: ContractRunner | null): TypedContract<F> {
  // ethers makes a Contract's methods at run time from its ABI, so its static type cannot name
  // them; F is generated from that same ABI and names them. This is the one cast.
  return new Contract(address, abi, runner) as unknown as TypedContract<F>
}

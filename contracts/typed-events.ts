import type { BaseContract, ContractTransactionReceipt, Log } from 'ethers'

/** Reads one contract's events with their arguments typed by E, its generated `…Events` interface (e.g. DataMarketEvents). */
export interface TypedEvents<E> {
  /** `log`'s arguments when it is the contract's `event`; undefined otherwise. */
  parse<N extends keyof E & string>(log: Log, event: N): E[N] | undefined
  /** The arguments of the contract's first `event` in `receipt`; undefined when it emitted none. */
  find<N extends keyof E & string>(receipt: ContractTransactionReceipt, event: N): E[N] | undefined
}

/** The events of `contract` (made with typedContract, so its target is its address), typed by E. */
export function typedEvents<E>(contract: BaseContract): TypedEvents<E> {
  const { target } = contract
  if (typeof target !== 'string') throw new TypeError('typedEvents needs a contract made at an address (typedContract)')
  const address = target.toLowerCase()
  function parse<N extends keyof E & string>(log: Log, event: N): E[N] | undefined {
    if (log.address.toLowerCase() !== address) return undefined
    const parsed = contract.interface.parseLog(log)
    if (parsed?.name !== event) return undefined
    // Named as scripts/contract-types-source.ts names them; a plain object, so an argument named
    // like an Array member (`values`) is still the argument.
    const args = Object.fromEntries(
      parsed.fragment.inputs.map((p, i): [string, unknown] => [p.name !== '' ? p.name : `arg${i}`, parsed.args[i]]),
    )
    // E is generated from the ABI that just decoded this log.
    return args as E[N]
  }
  return {
    parse,
    find(receipt, event) {
      for (const log of receipt.logs) {
        const args = parse(log, event)
        if (args !== undefined) return args
      }
      return undefined
    },
  }
}

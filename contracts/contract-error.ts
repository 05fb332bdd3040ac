import { Interface } from 'ethers'
import { AssayError } from '../core/index.js'
import { dataMarketAbi, datasetRegistryAbi, deviceRegistryAbi, keyEscrowAbi, testStablecoinAbi } from './generated/abis.js'

/**
 * A contract call reverted. `errorName` and `args` are the decoded custom error (e.g.
 * `DeviceNotAuthorised`, [deviceId, publisher]) when the revert data matches one of Assay's
 * contracts; otherwise errorName is undefined and the message carries what the node said.
 */
export class ContractError extends AssayError {
  override readonly category = 'conflict' as const
  readonly errorName: string | undefined
  readonly args: readonly unknown[]
  constructor(action: string, errorName: string | undefined, args: readonly unknown[], options?: { cause?: unknown }) {
    const detail = errorName !== undefined ? `${errorName}(${args.map(String).join(', ')})` : reasonOf(options?.cause)
    super(`${action} reverted: ${detail}`, options)
    this.name = 'ContractError'
    this.errorName = errorName
    this.args = args
  }
}

// Every custom error Assay's contracts can raise (OpenZeppelin's come in through the ABIs).
const errors = new Interface(
  [...dataMarketAbi, ...datasetRegistryAbi, ...deviceRegistryAbi, ...keyEscrowAbi, ...testStablecoinAbi].filter(
    (item, i, all) => item.type === 'error' && all.findIndex((o) => o.type === 'error' && 'name' in o && o.name === item.name) === i,
  ),
)

/** The error and what it wraps (`error`, then `cause`), a few levels deep: where providers put revert data. */
function* wrapped(err: unknown): Generator<{ data?: unknown; message?: unknown }> {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    yield e
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause
  }
}

function revertData(err: unknown): string | undefined {
  for (const { data } of wrapped(err)) {
    if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) return data
    if (data !== null && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string')
      return (data as { data: string }).data
  }
  return undefined
}

/**
 * Whether a call reverted with revert data (a contract's named refusal), as opposed to a failure
 * that carries none (out of gas under an eth_call cap, the RPC, no code at the address).
 */
export function revertedWithData(err: unknown): boolean {
  if (revertData(err) !== undefined) return true
  for (const { message } of wrapped(err)) if (/reverted with (custom error|reason string)/.test(message as string)) return true
  return false
}

function reasonOf(err: unknown): string {
  if (err === undefined) return 'unknown reason'
  const e = err as { shortMessage?: string; message?: string }
  return e.shortMessage ?? e.message ?? 'unknown reason'
}

/** Turns whatever ethers threw for `action` into a ContractError with the decoded custom error. */
export function decodeContractError(action: string, err: unknown): ContractError {
  if (err instanceof ContractError) return err
  const data = revertData(err)
  if (data !== undefined) {
    try {
      const parsed = errors.parseError(data)
      if (parsed !== null) return new ContractError(action, parsed.name, [...parsed.args], { cause: err })
    } catch {
      // Not one of ours: fall through with the node's message.
    }
  }
  return new ContractError(action, undefined, [], { cause: err })
}

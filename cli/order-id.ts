import { ConfigError } from '../core/index.js'

/** A KeyEscrow order id as typed on the command line (`assay buy --trustless` prints it). */
export function parseOrderId(text: string): bigint {
  if (!/^[1-9]\d*$/.test(text)) throw new ConfigError('ORDER', `must be an order id (a positive integer), got ${JSON.stringify(text)}`)
  return BigInt(text)
}

/** A stream window's index as typed on the command line (`--window`, `--first-window`): 0, 1, … */
export function parseWindowIndex(text: string, option: string): bigint {
  if (!/^\d+$/.test(text)) throw new ConfigError(option, `must be a window index (0, 1, …), got ${JSON.stringify(text)}`)
  return BigInt(text)
}

import { ConfigError } from '../core/index.js'

/** A KeyEscrow order id as typed on the command line (`assay buy --trustless` prints it). */
export function parseOrderId(text: string): bigint {
  if (!/^[1-9]\d*$/.test(text)) throw new ConfigError('ORDER', `must be an order id (a positive integer), got ${JSON.stringify(text)}`)
  return BigInt(text)
}

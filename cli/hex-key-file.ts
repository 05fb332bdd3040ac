import { readFile } from 'node:fs/promises'
import { buyerKeyFromSeed, type BuyerKey } from '../circuits/index.js'
import { ConfigError } from '../core/index.js'

/**
 * The 32 bytes a key file holds as hex (64 digits, `0x` and surrounding whitespace allowed): a
 * dataset's data key (`assay settle --key-file`) or a buyer key seed (`--buyer-key-file`, e.g.
 * from `openssl rand -hex 32`).
 *
 * @throws {ConfigError} naming `option` when the file is missing or holds anything else
 */
export async function readHexKeyFile(path: string, option: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(option, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
  }
  const hex = text.trim().replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(option, `${path} must hold 32 bytes as 64 hex digits`)
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16))
}

/** The buyer key of `--buyer-key-file` (a 32-byte hex seed), or undefined without one (then the wallet's signature derives it). */
export async function readBuyerKeyFile(path: string | undefined): Promise<BuyerKey | undefined> {
  return path === undefined ? undefined : buyerKeyFromSeed(await readHexKeyFile(path, '--buyer-key-file'))
}

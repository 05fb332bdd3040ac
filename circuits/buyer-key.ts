import { AssayError } from '../core/index.js'
import { BABYJUB_SUBORDER, BASE8, deviceKeyFault, mulPoint, pointFromY, type DeviceKeyFault } from './babyjub.js'

/**
 * A buyer's Baby Jubjub key pair for trustless key delivery: `secret`, 1 <= secret < l, and its
 * public key, X25519-style the y of `secret·Base8` (what an order carries, KeyEscrow's `buyerKey`).
 */
export interface BuyerKey {
  secret: bigint
  /** y(secret·Base8): the buyer key an order carries. */
  publicKey: bigint
  /** The whole point secret·Base8 (its x is fixed by `publicKey` up to sign). */
  publicPoint: [bigint, bigint]
}

/** Why a buyer key cannot be used: a public key's fault (as for device keys), or a seed that is not 32 bytes. */
export type BuyerKeyFault = DeviceKeyFault | 'bad-seed'

const FAULT_REASONS: Record<BuyerKeyFault, string> = {
  'not-on-curve': 'it is not the y of a point of Baby Jubjub (no x solves the curve equation)',
  'small-order': 'its point has small order (8·P is the identity): a key sent to it could be decrypted by anyone',
  'not-in-subgroup': 'its point is not in the prime-order subgroup of Base8 (keys from buyerKeyFromSeed always are)',
  'bad-seed': 'a buyer key seed is 32 secret bytes',
}

/** A buyer public key (or seed) that must not be used to deliver a data key. */
export class InvalidBuyerKeyError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly fault: BuyerKeyFault
  /** The refused public key, a y coordinate (absent for a bad seed). */
  readonly publicKey?: bigint

  constructor(fault: BuyerKeyFault, options: { publicKey?: bigint; detail?: string; cause?: unknown } = {}) {
    const { publicKey, detail } = options
    super(
      publicKey === undefined
        ? `buyer key seed${detail !== undefined ? ` (${detail})` : ''}: ${FAULT_REASONS[fault]}`
        : `buyer public key ${publicKey} refused: ${FAULT_REASONS[fault]}`,
      { cause: options.cause },
    )
    this.name = 'InvalidBuyerKeyError'
    this.fault = fault
    if (publicKey !== undefined) this.publicKey = publicKey
  }
}

/**
 * Refuses a buyer public key (a y coordinate) that is not the y of a non-identity point of Base8's
 * prime-order subgroup (l·P = identity, P ≠ identity): the rule for device keys. Returns that point
 * with the smaller root x; its negation (−x, y) is the other point with this y, in the subgroup
 * too, and either serves for encryption. A seller checks the key before encrypting to it; the
 * circuit itself only refuses small-order keys (see circuits/src/key-transfer.circom).
 *
 * @throws {InvalidBuyerKeyError} naming the rule the key breaks (`not-on-curve`: no x exists)
 */
export async function checkBuyerPublicKey(publicKey: bigint): Promise<[bigint, bigint]> {
  const point = await pointFromY(publicKey)
  if (point === undefined) throw new InvalidBuyerKeyError('not-on-curve', { publicKey })
  const fault = deviceKeyFault(point)
  if (fault !== undefined) throw new InvalidBuyerKeyError(fault, { publicKey })
  return point
}

const BUYER_KEY_DOMAIN = new TextEncoder().encode('assay.buyer-key.v1')

/**
 * A scalar in [1, l) from bytes: SHA-512 read as a big-endian integer, reduced mod l (512 bits
 * reduced by a 251-bit order: the bias is below 2^-260). Zero cannot come out in practice; it is
 * refused all the same.
 */
async function scalarFromBytes(bytes: Uint8Array): Promise<bigint> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', bytes as Uint8Array<ArrayBuffer>))
  const scalar = digest.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) % BABYJUB_SUBORDER
  if (scalar === 0n) throw new InvalidBuyerKeyError('bad-seed', { detail: 'it hashes to the scalar 0' })
  return scalar
}

/**
 * The buyer key of a 32-byte seed, deterministically: `secret = SHA-512("assay.buyer-key.v1" ‖ seed)
 * mod l`, `publicKey` = y(secret·Base8), the value to put in an order. The web app takes the seed
 * from a wallet signature, so the key needs no storage; any seed works as long as it stays secret.
 *
 * @example
 * const buyer = await buyerKeyFromSeed(seed)
 * await escrow.open(datasetId, price, paymentToken, accessPeriod, buyer.publicKey, { value: price })
 *
 * @throws {InvalidBuyerKeyError} when the seed is not 32 bytes
 */
export async function buyerKeyFromSeed(seed: Uint8Array): Promise<BuyerKey> {
  if (seed.length !== 32) throw new InvalidBuyerKeyError('bad-seed', { detail: `${seed.length} bytes` })
  const secret = await scalarFromBytes(new Uint8Array([...BUYER_KEY_DOMAIN, ...seed]))
  const publicPoint = mulPoint(BASE8, secret)
  return { secret, publicKey: publicPoint[1], publicPoint }
}

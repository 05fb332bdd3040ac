import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import type { BaseContract } from 'ethers'
import { groth16, wtns } from 'snarkjs'
import {
  BASE8,
  buyerKeyFromSeed,
  checkBuyerPublicKey,
  computeKeyCommitment,
  decryptKeyTransfer,
  encryptKeyForBuyer,
  generateProof,
  getCircuitManifest,
  getPoseidon,
  InvalidBuyerKeyError,
  InvalidKeyError,
  KEY_TRANSFER_CIRCUIT,
  KeyTransferError,
  keyTransferPads,
  keyTransferPublicSignals,
  mulPoint,
  pointFromY,
  SNARK_FIELD,
  splitKey,
  verifyProof,
  WitnessError,
  type BuyerKey,
  type KeyTransferInput,
  type ProvingArtifacts,
  type VerificationKey,
} from '../../circuits/index.js'
import { addPoint, BABYJUB_SUBORDER } from '../../circuits/babyjub.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { caught } from '../helpers/errors.js'

interface HardhatEthers {
  deployContract(name: string): Promise<BaseContract>
}

type Point = [bigint, bigint]
/** A point of order 8 (tests/circuits/babyjub.test.ts); its multiples are the curve's 8 small-order points. */
const ORDER_8: Point = [
  17545522957889784193459637215142187266023652151580582754000402781682644312291n,
  4826523245007015323400664741523384119579596407052839571721035538011798951543n,
]
const SMALL_ORDER: Point[] = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => mulPoint(ORDER_8, k))
const PUBLIC_INPUTS = ['keyCommitment', 'buyerKey', 'ephemeralKey', 'cipherHi', 'cipherLo', 'orderNonce']
const SOURCE = readFileSync('circuits/src/key-transfer.circom', 'utf8').split('\n')

/** The line of circuits/src/key-transfer.circom holding `statement` (exactly one), as the witness code reports it. */
function lineOf(statement: string): number {
  const lines = SOURCE.flatMap((l, i) => (l.trim() === statement ? [i + 1] : []))
  if (lines.length !== 1) throw new Error(`${statement}: ${lines.length} lines in key-transfer.circom`)
  return lines[0]!
}

const random = (): Uint8Array => new Uint8Array(randomBytes(32))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** The first y after `from` that is no point's y (about every other field element). */
async function offCurveY(from: bigint): Promise<bigint> {
  for (let y = from + 1n; ; y++) if ((await pointFromY(y)) === undefined) return y
}

/**
 * A transfer's input rebuilt around a chosen shared point and limbs, as a cheating prover would
 * (by default the shared point is s·(buyerX, buyerKey), whose y the pads take).
 */
async function inputWith(base: KeyTransferInput, changes: Partial<KeyTransferInput> & { shared?: Point }): Promise<KeyTransferInput> {
  const { shared, ...rest } = changes
  const input = { ...base, ...rest }
  const s = input.ephemeralSecret
  const [pad0, pad1] = await keyTransferPads((shared ?? mulPoint([input.buyerX, input.buyerKey], s))[1], input.orderNonce)
  return { ...input, cipherHi: (input.keyHi + pad0) % SNARK_FIELD, cipherLo: (input.keyLo + pad1) % SNARK_FIELD }
}

describe('KeyTransfer circuit (key-transfer-v1)', function () {
  this.timeout(300_000)
  let circuit: ProvingArtifacts & { vkey: VerificationKey }
  let buyer: BuyerKey
  let other: BuyerKey
  const key = random()
  const nonce = 7n
  let honest: KeyTransferInput

  before(async () => {
    circuit = await loadCircuit(KEY_TRANSFER_CIRCUIT)
    buyer = await buyerKeyFromSeed(random())
    other = await buyerKeyFromSeed(random())
    honest = (await encryptKeyForBuyer(key, buyer.publicKey, nonce)).input
  })
  after(releaseProverThreads)

  /** Expects witness generation to stop at `statement` of KeyTransfer (or in `template` when given). */
  async function refusedAt(input: KeyTransferInput, statement: string, template?: RegExp): Promise<void> {
    const error = await caught(() => generateProof(circuit, input))
    expect(error).to.be.instanceOf(WitnessError)
    const trace = String((error as WitnessError).cause)
    if (template !== undefined) expect(trace).to.match(template)
    expect(trace).to.match(new RegExp(`Error in template KeyTransfer_\\d+ line: ${lineOf(statement)}\\b`))
  }

  it('is in the default build with 6 public inputs in the order the contract passes them, and no outputs', () => {
    const entry = getCircuitManifest(KEY_TRANSFER_CIRCUIT)
    expect(entry).to.include({ purpose: 'protocol', template: 'KeyTransfer', verifier: 'KeyTransferVerifier', publicSignals: 6 })
    expect(entry.publicInputs).to.deep.equal(PUBLIC_INPUTS)
    expect(entry.constraints).to.be.below(8192) // a 2^13 domain: a second or so to prove
  })

  it('proves a transfer whose public signals are the JS mirror’s, in catalog order, and verifies', async () => {
    const { proof, publicSignals } = await generateProof(circuit, honest)
    expect(publicSignals).to.deep.equal(PUBLIC_INPUTS.map((name) => String(honest[name as keyof KeyTransferInput])))
    expect(publicSignals).to.deep.equal(keyTransferPublicSignals(honest).map(String))
    expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
  })

  it('rejects the proof when any one of its public signals is tampered with', async () => {
    const { proof, publicSignals } = await generateProof(circuit, honest)
    for (let i = 0; i < publicSignals.length; i++) {
      const forged = publicSignals.map((s, j) => (j === i ? String((BigInt(s) + 1n) % SNARK_FIELD) : s))
      expect(await verifyProof(circuit.vkey, forged, proof), PUBLIC_INPUTS[i]).to.equal(false)
    }
  })

  it('rejects a key that does not open the key commitment, even with a ciphertext made for it', async () => {
    const forged = await inputWith(honest, splitKey(random()))
    await refusedAt(forged, 'commitment === keyCommitment;')
  })

  it('rejects a ciphertext made for another buyer key', async () => {
    const forOther = (await encryptKeyForBuyer(key, other.publicKey, nonce, { ephemeralSecret: honest.ephemeralSecret })).input
    await refusedAt({ ...forOther, buyerKey: buyer.publicKey, buyerX: buyer.publicPoint[0] }, 'cipherHi === keyHi + pad0;')
  })

  it('accepts either x for the buyer’s y and either sign of the ephemeral point, with one ciphertext the buyer opens', async () => {
    // -(x, y) = (-x, y), and s·(±P) = ±(s·P) share their y: the prover's choices change no public signal.
    const negatedX = SNARK_FIELD - honest.buyerX
    const negatedSecret = BABYJUB_SUBORDER - honest.ephemeralSecret // (l - s)·Base8 = -(s·Base8)
    const variants = [
      await inputWith(honest, { buyerX: negatedX }),
      await inputWith(honest, { ephemeralSecret: negatedSecret }),
      await inputWith(honest, { buyerX: negatedX, ephemeralSecret: negatedSecret }),
    ]
    for (const input of variants) {
      expect([input.cipherHi, input.cipherLo]).to.deep.equal([honest.cipherHi, honest.cipherLo])
      const { proof, publicSignals } = await generateProof(circuit, input)
      expect(publicSignals).to.deep.equal(keyTransferPublicSignals(honest).map(String))
      expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
    }
    const transfer = {
      ephemeralPublicKey: honest.ephemeralKey,
      ciphertext: [honest.cipherHi, honest.cipherLo] as [bigint, bigint],
      orderNonce: nonce,
      keyCommitment: honest.keyCommitment,
    }
    expect(hex(await decryptKeyTransfer(buyer.secret, transfer))).to.equal(hex(key))
    // The buyer's recovered ephemeral point may be the seller's or its negation: its b·E has the pads' y either way.
    const ephemeral = (await pointFromY(honest.ephemeralKey))!
    const shared = mulPoint(buyer.publicPoint, honest.ephemeralSecret)
    for (const E of [ephemeral, [SNARK_FIELD - ephemeral[0], ephemeral[1]] as Point])
      expect(mulPoint(E, buyer.secret)[1]).to.equal(shared[1])
  })

  it('rejects a ciphertext made for another order', async () => {
    const forOther = (await encryptKeyForBuyer(key, buyer.publicKey, nonce + 1n)).input
    await refusedAt({ ...forOther, orderNonce: nonce }, 'cipherHi === keyHi + pad0;')
  })

  it('rejects a limb of 129 bits even when the commitment and the ciphertext are made for it', async () => {
    // Without the range check a prover could deliver "keys" that are no 32-byte key at all.
    const poseidon = await getPoseidon()
    const keyLo = honest.keyLo + (1n << 128n)
    const forged = await inputWith(honest, { keyLo, keyCommitment: poseidon.F.toObject(poseidon([honest.keyHi, keyLo])) })
    await refusedAt(
      forged,
      'signal commitment <== KeyCommitment()(keyHi, keyLo);',
      /Num2Bits_\d+ line: \d+\s+Error in template KeyCommitment_\d+/,
    )
  })

  it('rejects an ephemeral key that is not the y of the ephemeral secret times Base8', async () => {
    const [x, y] = mulPoint(BASE8, honest.ephemeralSecret + 1n)
    await refusedAt({ ...honest, ephemeralKey: y }, 'ephemeral[1] === ephemeralKey;')
    // The right point's x in place of its y.
    await refusedAt({ ...honest, ephemeralKey: mulPoint(BASE8, honest.ephemeralSecret)[0] }, 'ephemeral[1] === ephemeralKey;')
    expect(x).to.not.equal(0n)
  })

  it('rejects the ephemeral secret 0 and a second encoding s + l of a secret', async () => {
    const zero = await inputWith(honest, { ephemeralSecret: 0n, ephemeralKey: 1n, shared: [0n, 1n] })
    await refusedAt(zero, 'secretInverse * ephemeralSecret === 1;')
    // s + l < 2^251 names the same points as s: only the comparison with l refuses it.
    const s = 12_345n
    const aliased = await inputWith(honest, {
      ephemeralSecret: s + BABYJUB_SUBORDER,
      ephemeralKey: mulPoint(BASE8, s)[1],
      shared: mulPoint(buyer.publicPoint, s),
    })
    await refusedAt(aliased, 'belowOrder === 1;')
  })

  it('rejects a buyer x that does not fit the buyer key, and a buyer key no x fits', async () => {
    const shared = mulPoint(buyer.publicPoint, honest.ephemeralSecret)
    const misfit = await inputWith(honest, { buyerX: honest.buyerX + 1n, shared })
    await refusedAt(misfit, 'onCurve.y <== buyerKey;', /BabyCheck_\d+ line: \d+/)
    const offCurve = await inputWith(honest, { buyerKey: await offCurveY(honest.buyerKey), shared })
    await refusedAt(offCurve, 'onCurve.y <== buyerKey;', /BabyCheck_\d+ line: \d+/)
  })

  it('rejects each of the 8 small-order buyer keys, whose shared point anyone could guess', async () => {
    for (const P of SMALL_ORDER) {
      const forged = await inputWith(honest, { buyerX: P[0], buyerKey: P[1], shared: mulPoint(P, honest.ephemeralSecret) })
      await refusedAt(forged, 'eightXInverse * dbl[2].xout === 1;')
    }
  })

  it('computes honest witnesses at the edge secrets (1, 2^148 ± 1, l − 1) and for a key with a small-order component', async () => {
    // EscalarMulAny's incomplete additions have no exceptional case for these (the circuit's NOTE):
    // every honest witness exists, and its ciphertext is the mirror's s·P (cipher checks included).
    const mixed = addPoint(buyer.publicPoint, ORDER_8)
    for (const P of [buyer.publicPoint, mixed])
      for (const s of [1n, (1n << 148n) - 1n, (1n << 148n) + 1n, BABYJUB_SUBORDER - 1n]) {
        const ephemeralKey = mulPoint(BASE8, s)[1]
        const input = await inputWith(honest, { buyerX: P[0], buyerKey: P[1], ephemeralSecret: s, ephemeralKey })
        await wtns.calculate(input, circuit.wasm, { type: 'mem' })
      }
  })

  it('verifies on-chain with the generated KeyTransferVerifier (uint[6] public inputs)', async () => {
    const { ethers } = ((await import('hardhat')) as unknown as { default: { ethers: HardhatEthers } }).default
    const deployed = await ethers.deployContract(getCircuitManifest(KEY_TRANSFER_CIRCUIT).verifier)
    const verify = deployed.getFunction('verifyProof')
    const { proof, publicSignals } = await generateProof(circuit, honest)
    const [a, b, c, inputs] = JSON.parse(`[${await groth16.exportSolidityCallData(proof, publicSignals)}]`) as [
      string[],
      string[][],
      string[],
      string[],
    ]
    expect(inputs).to.have.length(6)
    expect(await verify(a, b, c, inputs)).to.equal(true)
    const tampered = inputs.map((s, i) => (i === 5 ? String(BigInt(s) + 1n) : s)) // another order
    expect(await verify(a, b, c, tampered)).to.equal(false)
  })
})

describe('key transfer in TypeScript (encryptKeyForBuyer, decryptKeyTransfer, buyer keys)', function () {
  this.timeout(60_000)

  it('round-trips a key from seller to buyer', async () => {
    const buyer = await buyerKeyFromSeed(random())
    const key = random()
    const { ephemeralPublicKey, ciphertext, input } = await encryptKeyForBuyer(key, buyer.publicKey, 99n)
    expect(input.keyCommitment).to.equal(await computeKeyCommitment(key))
    const opened = await decryptKeyTransfer(buyer.secret, {
      ephemeralPublicKey,
      ciphertext,
      orderNonce: 99n,
      keyCommitment: input.keyCommitment,
    })
    expect(hex(opened)).to.equal(hex(key))
  })

  it('throws KeyTransferError when decrypting with another buyer secret, for another order or another commitment', async () => {
    const buyer = await buyerKeyFromSeed(random())
    const other = await buyerKeyFromSeed(random())
    const key = random()
    const sent = await encryptKeyForBuyer(key, buyer.publicKey, 5n)
    const transfer = { ...sent, orderNonce: 5n, keyCommitment: sent.input.keyCommitment }
    // Another secret or order gives random pads: both limbs below 2^128 by chance has probability 2^-250.
    for (const [secret, orderNonce] of [
      [other.secret, 5n],
      [buyer.secret, 6n],
    ] as const) {
      const error = await caught(() => decryptKeyTransfer(secret, { ...transfer, orderNonce }))
      expect(error)
        .to.be.instanceOf(KeyTransferError)
        .and.include({ name: 'KeyTransferError', fault: 'limb-out-of-range', category: 'bad-input' })
    }
    const error = await caught(() => decryptKeyTransfer(buyer.secret, { ...transfer, keyCommitment: transfer.keyCommitment + 1n }))
    expect(error).to.be.instanceOf(KeyTransferError).and.include({ fault: 'commitment-mismatch' })
    expect(error.message).to.contain(String(transfer.keyCommitment + 1n))
    expect(await caught(() => decryptKeyTransfer(0n, transfer))).to.include({ name: 'KeyTransferError', fault: 'buyer-secret' })
    const noPoint = await offCurveY(transfer.ephemeralPublicKey)
    expect(await caught(() => decryptKeyTransfer(buyer.secret, { ...transfer, ephemeralPublicKey: noPoint }))).to.include({
      name: 'KeyTransferError',
      fault: 'ephemeral-key',
    })
  })

  it('derives one buyer key per seed, in the subgroup, its public key the y of secret·Base8, and refuses a seed that is not 32 bytes', async () => {
    const seed = random()
    const a = await buyerKeyFromSeed(seed)
    expect(await buyerKeyFromSeed(Uint8Array.from(seed))).to.deep.equal(a)
    expect((await buyerKeyFromSeed(random())).secret).to.not.equal(a.secret)
    expect(a.secret > 0n && a.secret < BABYJUB_SUBORDER).to.equal(true)
    expect(a.publicPoint).to.deep.equal(mulPoint(BASE8, a.secret))
    expect(a.publicKey).to.equal(a.publicPoint[1])
    // The point recovered from the y: the smaller root x, the seller's point or its negation.
    const [x, y] = await checkBuyerPublicKey(a.publicKey)
    expect(y).to.equal(a.publicKey)
    expect([a.publicPoint[0], SNARK_FIELD - a.publicPoint[0]]).to.include(x)
    expect(x <= SNARK_FIELD - x).to.equal(true)
    const error = await caught(() => buyerKeyFromSeed(new Uint8Array(31)))
    expect(error).to.be.instanceOf(InvalidBuyerKeyError).and.include({ fault: 'bad-seed' })
    expect(error.message).to.contain('31 bytes')
  })

  it('refuses buyer keys no x fits or out of the field, of small order (the identity too) or outside the subgroup', async () => {
    const { publicKey, publicPoint } = await buyerKeyFromSeed(random())
    const cases: [bigint, string][] = [
      [await offCurveY(publicKey), 'not-on-curve'],
      [SNARK_FIELD + 1n, 'not-on-curve'], // ≡ 1, the identity's y, but no field element
      [-1n, 'not-on-curve'],
      // SMALL_ORDER[0] is the identity (0, 1); each y names two small-order points.
      ...SMALL_ORDER.map((P): [bigint, string] => [P[1], 'small-order']),
      // A subgroup point plus a point of order 8: on the curve, of order 8·l (and so is its negation).
      [addPoint(publicPoint, ORDER_8)[1], 'not-in-subgroup'],
    ]
    for (const [y, fault] of cases) {
      const error = await caught(() => checkBuyerPublicKey(y))
      expect(error, String(y)).to.be.instanceOf(InvalidBuyerKeyError).and.include({ name: 'InvalidBuyerKeyError', fault, publicKey: y })
    }
  })

  it('encrypts only to a subgroup key, for a nonce in the field and an ephemeral secret in [1, l)', async () => {
    const { publicKey, publicPoint } = await buyerKeyFromSeed(random())
    const key = random()
    const refusal = async (fn: () => Promise<unknown>): Promise<string> => {
      const error = await caught(fn)
      return `${error.name}:${(error as { fault?: string }).fault ?? ''}`
    }
    expect(await refusal(() => encryptKeyForBuyer(key, addPoint(publicPoint, ORDER_8)[1], 1n))).to.equal(
      'InvalidBuyerKeyError:not-in-subgroup',
    )
    const noPoint = await offCurveY(publicKey)
    expect(await refusal(() => encryptKeyForBuyer(key, noPoint, 1n))).to.equal('InvalidBuyerKeyError:not-on-curve')
    expect(await refusal(() => encryptKeyForBuyer(key, publicKey, SNARK_FIELD))).to.equal('KeyTransferError:order-nonce')
    expect(await refusal(() => encryptKeyForBuyer(key, publicKey, 1n, { ephemeralSecret: 0n }))).to.equal(
      'KeyTransferError:ephemeral-secret',
    )
    expect(await refusal(() => encryptKeyForBuyer(key, publicKey, 1n, { ephemeralSecret: BABYJUB_SUBORDER }))).to.equal(
      'KeyTransferError:ephemeral-secret',
    )
    expect(await caught(() => encryptKeyForBuyer(new Uint8Array(16), publicKey, 1n))).to.be.instanceOf(InvalidKeyError)
  })

  it('binds the ciphertext to the order: the same key and ephemeral secret give other limbs for another nonce', async () => {
    const { publicKey } = await buyerKeyFromSeed(random())
    const key = random()
    const one = await encryptKeyForBuyer(key, publicKey, 1n, { ephemeralSecret: 42n })
    const two = await encryptKeyForBuyer(key, publicKey, 2n, { ephemeralSecret: 42n })
    expect(two.ephemeralPublicKey).to.deep.equal(one.ephemeralPublicKey)
    expect(two.ciphertext[0]).to.not.equal(one.ciphertext[0])
    expect(two.ciphertext[1]).to.not.equal(one.ciphertext[1])
  })
})

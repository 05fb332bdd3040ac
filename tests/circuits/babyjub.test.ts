import { buildBabyjub, buildEddsa } from 'circomlibjs'
import { expect } from 'chai'
import { randomBytes } from 'node:crypto'
import {
  addPoint,
  assertDeviceKey,
  BABYJUB_P,
  BABYJUB_SUBORDER,
  BASE8,
  deviceKeyFault,
  isDeviceKey,
  mulPoint,
  onBabyJub,
  signEddsaPoseidon,
  verifyEddsaPoseidon,
} from '../../circuits/babyjub.js'

type Point = [bigint, bigint]
/** A point of order 8; its multiples are the curve's 8 small-order points (checked below against circomlibjs). */
const ORDER_8: Point = [
  17545522957889784193459637215142187266023652151580582754000402781682644312291n,
  4826523245007015323400664741523384119579596407052839571721035538011798951543n,
]
const SMALL_ORDER: Point[] = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => mulPoint(ORDER_8, k))

// The fast Baby Jubjub arithmetic behind device-signature checks, against circomlibjs (what the
// devices sign with and what the circuits mirror).
describe('Baby Jubjub in native BigInt (device signature checks)', function () {
  this.timeout(120_000)
  const random = (bytes = 31): bigint => BigInt(`0x${randomBytes(bytes).toString('hex')}`)

  it('has the subgroup order and base point circomlibjs uses', async () => {
    const babyJub = await buildBabyjub()
    expect(BABYJUB_SUBORDER).to.equal(BigInt(babyJub.subOrder.toString()))
    expect(BASE8.map(String)).to.deep.equal(babyJub.Base8.map((c: Uint8Array) => babyJub.F.toObject(c).toString()))
  })

  it('multiplies points exactly as circomlibjs, for the fixed base and for any point, 0 and 1 included', async () => {
    const babyJub = await buildBabyjub()
    const affine = (P: Uint8Array[]): [bigint, bigint] => [babyJub.F.toObject(P[0]!), babyJub.F.toObject(P[1]!)]
    const other = affine(babyJub.mulPointEscalar(babyJub.Base8, 123_456_789n))
    for (const k of [0n, 1n, 2n, 15n, 16n, 8n * random(), random(), BABYJUB_SUBORDER - 1n, random(32)]) {
      expect(mulPoint(BASE8, k)).to.deep.equal(affine(babyJub.mulPointEscalar(babyJub.Base8, k)))
      expect(mulPoint(other, k)).to.deep.equal(affine(babyJub.mulPointEscalar([babyJub.F.e(other[0]), babyJub.F.e(other[1])], k)))
    }
    expect(onBabyJub(other)).to.equal(true)
    expect(onBabyJub([other[0], other[1] + 1n])).to.equal(false)
  })

  it('accepts exactly the signatures circomlibjs accepts: real ones, not forged ones', async () => {
    const eddsa = await buildEddsa()
    const F = eddsa.F
    for (let i = 0; i < 12; i++) {
      const key = randomBytes(32)
      const [Ax, Ay] = eddsa.prv2pub(key).map((c: Uint8Array) => F.toObject(c)) as [bigint, bigint]
      const message = random()
      const sig = eddsa.signPoseidon(key, F.e(message))
      const signature = { R8x: F.toObject(sig.R8[0]), R8y: F.toObject(sig.R8[1]), S: sig.S }
      const theirs = (msg: bigint, s: typeof signature, A: [bigint, bigint]): boolean =>
        eddsa.verifyPoseidon(F.e(msg), { R8: [F.e(s.R8x), F.e(s.R8y)], S: s.S }, [F.e(A[0]), F.e(A[1])])
      const cases: Array<[bigint, typeof signature, [bigint, bigint]]> = [
        [message, signature, [Ax, Ay]],
        [message + 1n, signature, [Ax, Ay]],
        [message, { ...signature, S: (signature.S + 1n) % BABYJUB_SUBORDER }, [Ax, Ay]],
        [message, { ...signature, S: signature.S + BABYJUB_SUBORDER }, [Ax, Ay]],
        [message, { ...signature, R8y: signature.R8y + 1n }, [Ax, Ay]],
        [message, signature, mulPoint(BASE8, random())],
      ]
      const ours = await Promise.all(cases.map(([msg, s, A]) => verifyEddsaPoseidon(msg, s, A)))
      expect(ours).to.deep.equal(cases.map(([msg, s, A]) => theirs(msg, s, A)))
      expect(ours).to.deep.equal([true, false, false, false, false, false])
    }
  })

  it('signs exactly as circomlibjs eddsa.signPoseidon', async () => {
    const eddsa = await buildEddsa()
    for (let i = 0; i < 4; i++) {
      const key = randomBytes(32)
      const message = random()
      const theirs = eddsa.signPoseidon(key, eddsa.F.e(message))
      const ours = await signEddsaPoseidon(key, message)
      expect(ours).to.deep.equal({ R8x: eddsa.F.toObject(theirs.R8[0]), R8y: eddsa.F.toObject(theirs.R8[1]), S: theirs.S })
      const A = eddsa.prv2pub(key).map((c: Uint8Array) => eddsa.F.toObject(c)) as Point
      expect(await verifyEddsaPoseidon(message, ours, A)).to.equal(true)
    }
  })
})

describe('Device keys: on the curve, not of small order, in the prime-order subgroup', function () {
  this.timeout(120_000)
  const random = (bytes = 31): bigint => BigInt(`0x${randomBytes(bytes).toString('hex')}`)
  const caught = (f: () => unknown): Error & { fault?: string; publicKey?: Point } => {
    try {
      f()
    } catch (err) {
      return err as Error
    }
    throw new Error('expected a throw')
  }

  it('knows the 8 small-order points: on the curve, distinct, and 8·P the identity for circomlibjs', async () => {
    const babyJub = await buildBabyjub()
    const F = babyJub.F
    expect(new Set(SMALL_ORDER.map(String)).size).to.equal(8)
    for (const P of SMALL_ORDER) {
      const theirs = babyJub.mulPointEscalar([F.e(P[0]), F.e(P[1])], 8n).map((c: Uint8Array) => F.toObject(c))
      expect(theirs).to.deep.equal([0n, 1n])
      expect(onBabyJub(P)).to.equal(true)
    }
    expect(SMALL_ORDER).to.deep.include.members([
      [0n, 1n],
      [0n, BABYJUB_P - 1n],
    ])
  })

  it('accepts the keys circomlibjs prv2pub makes', async () => {
    const eddsa = await buildEddsa()
    for (let i = 0; i < 8; i++) {
      const A = eddsa.prv2pub(randomBytes(32)).map((c: Uint8Array) => eddsa.F.toObject(c)) as Point
      expect([deviceKeyFault(A), isDeviceKey(A)]).to.deep.equal([undefined, true])
      expect(() => assertDeviceKey(A)).not.to.throw()
    }
  })

  it('refuses each small-order point with InvalidDeviceKeyError naming the key and the fault', () => {
    for (const P of SMALL_ORDER) {
      expect(deviceKeyFault(P)).to.equal('small-order')
      const err = caught(() => assertDeviceKey(P))
      expect([err.name, err.fault, err.publicKey]).to.deep.equal(['InvalidDeviceKeyError', 'small-order', P])
      expect(err.message).to.equal(
        `(${P[0]}, ${P[1]}) is not a device key: it has small order (8·A is the identity): the circuits refuse it, and anybody can forge its signatures`,
      )
    }
  })

  it('refuses points off the curve or out of the field, and points outside the prime-order subgroup', () => {
    const A = mulPoint(BASE8, random())
    for (const P of [
      [A[0], A[1] + 1n],
      [0n, 0n],
      [A[0] + BABYJUB_P, A[1]],
      [-A[0], A[1]],
    ] as Point[]) {
      expect(deviceKeyFault(P)).to.equal('not-on-curve')
      expect(caught(() => assertDeviceKey(P)).message).to.match(/is not a device key: it is not a point of Baby Jubjub$/)
    }
    // A subgroup point plus a small-order one: 8·P is a good key's, but P is not in the subgroup.
    for (const T of SMALL_ORDER.slice(1)) {
      const P = addPoint(A, T)
      expect([onBabyJub(P), deviceKeyFault(P)]).to.deep.equal([true, 'not-in-subgroup'])
      expect(caught(() => assertDeviceKey(P)).fault).to.equal('not-in-subgroup')
    }
  })

  it('refuses to verify "signatures" by a small-order key, which circomlibjs would accept as forged', async () => {
    const eddsa = await buildEddsa()
    const F = eddsa.F
    // For A = (0, 1), 8·h·A is the identity: S·Base8 = R8 holds for any S and message.
    const S = random() % BABYJUB_SUBORDER
    const [R8x, R8y] = mulPoint(BASE8, S)
    const forged = { R8x, R8y, S }
    expect(eddsa.verifyPoseidon(F.e(42n), { R8: [F.e(R8x), F.e(R8y)], S }, [F.e(0n), F.e(1n)])).to.equal(true)
    const err: Error & { fault?: string } = await verifyEddsaPoseidon(42n, forged, [0n, 1n]).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e as Error,
    )
    expect([err.name, err.fault]).to.deep.equal(['InvalidDeviceKeyError', 'small-order'])
  })
})

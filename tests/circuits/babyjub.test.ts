import { buildBabyjub, buildEddsa } from 'circomlibjs'
import { expect } from 'chai'
import { randomBytes } from 'node:crypto'
import { BABYJUB_SUBORDER, BASE8, mulPoint, onBabyJub, verifyEddsaPoseidon } from '../../circuits/babyjub.js'

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
        [message, signature, [Ax, Ay + 1n]],
      ]
      const ours = await Promise.all(cases.map(([msg, s, A]) => verifyEddsaPoseidon(msg, s, A)))
      expect(ours).to.deep.equal(cases.map(([msg, s, A]) => theirs(msg, s, A)))
      expect(ours).to.deep.equal([true, false, false, false, false, false, false])
    }
  })
})

// circuits/poseidon2.ts against Noir's Poseidon2 black box (executed by acvm_js, the solver noir_js
// uses, which carries its own copy of the parameters) and against Barretenberg's published test
// vector: the round constants generated from the Grain LFSR, the matrices and the sponge must all
// agree, or commitment v3 computed in TypeScript would not be the one the circuit proves.
import { expect } from 'chai'
import { compileNoir, executeNoir, noirProject, type NoirProgram } from '../../../circuits/node.js'
import {
  commitmentV3Tag,
  BatchInputError,
  computeBatchCommitment,
  poseidon2Hash,
  poseidon2Permutation,
  sensorStatsParams,
  SNARK_FIELD,
} from '../../../circuits/index.js'

const P = SNARK_FIELD
const hex = (x: bigint): string => `0x${x.toString(16).padStart(64, '0')}`

describe('Poseidon2 (width 4, BN254) in TypeScript', function () {
  this.timeout(120_000)
  let program: NoirProgram

  before(async () => {
    program = await compileNoir(noirProject('poseidon2-check'))
  })

  async function fromNoir(x: bigint[]): Promise<{ permutation: bigint[]; hashes: bigint[] }> {
    const { returnValue } = await executeNoir(program, { x: x.map(String) })
    const [permutation, ...hashes] = returnValue as [string[], string, string, string, string]
    return { permutation: permutation.map(BigInt), hashes: hashes.map(BigInt) }
  }

  it("permutes [0, 1, 2, 3] to Barretenberg's test vector", () => {
    expect(poseidon2Permutation([0n, 1n, 2n, 3n]).map(hex)).to.deep.equal([
      '0x01bd538c2ee014ed5141b29e9ae240bf8db3fe5b9a38629a9647cf8d76c01737',
      '0x239b62e7db98aa3a2a8f6a0d2fa1709e7a35959aa6c7034814d9daa90cbac662',
      '0x04cbb44c61d928ed06808456bf758cbf0c18d1e15a7b6dbc8245fa7515d5e3cb',
      '0x2e11c5cff2a22c64d01304b778d78f6998eff1ab73163a35603f54794c30847a',
    ])
  })

  const vectors: Array<[string, bigint[]]> = [
    ['zeros', [0n, 0n, 0n, 0n, 0n, 0n, 0n]],
    ['small integers', [0n, 1n, 2n, 3n, 5n, 8n, 13n]],
    ['the largest field element', Array<bigint>(7).fill(P - 1n)],
    ['mixed large values', [P - 2n, 1n << 200n, 12345678901234567890n, (1n << 253n) + 7n, 2n ** 64n, P / 3n, 42n]],
  ]
  for (const [name, x] of vectors) {
    it(`gives Noir's permutation and sponge hashes of 1, 3, 4 and 7 elements for ${name}`, async () => {
      const noir = await fromNoir(x)
      expect(poseidon2Permutation(x.slice(0, 4))).to.deep.equal(noir.permutation)
      expect([1, 3, 4, 7].map((n) => poseidon2Hash(x.slice(0, n)))).to.deep.equal(noir.hashes)
    })
  }

  it('binds the length: hashing [x] and [x, 0] differ, as do [0] and []', () => {
    expect(poseidon2Hash([5n])).not.to.equal(poseidon2Hash([5n, 0n]))
    expect(poseidon2Hash([0n])).not.to.equal(poseidon2Hash([]))
  })

  it('refuses inputs that are not field elements instead of reducing them', () => {
    expect(() => poseidon2Hash([P])).to.throw(RangeError)
    expect(() => poseidon2Hash([-1n])).to.throw(RangeError)
    expect(() => poseidon2Permutation([0n, 1n, 2n])).to.throw(RangeError)
    expect(() => poseidon2Permutation([0n, 1n, 2n, P])).to.throw(RangeError)
  })

  describe('commitment v3 (computeBatchCommitment with an UltraHonk v3 circuit)', () => {
    const params = sensorStatsParams('sensor-stats-b16-v3-honk')
    const batch = { values: [7n, 9n, 11n, 13n], times: [1_700_000_000n, 1_700_000_060n, 1_700_000_120n, 1_700_000_180n] }

    it("takes the circuit's own parameters and commitment from the manifest", () => {
      expect(params).to.deep.equal({ batchSize: 16, valueBits: 32, timeBits: 48, gapBits: 24, commitment: 'poseidon2' })
      expect(sensorStatsParams('sensor-stats-32bit-b1128-v3-honk')).to.include({ batchSize: 1128, valueBits: 32, commitment: 'poseidon2' })
      expect(sensorStatsParams('sensor-stats-b16-v2')).not.to.have.property('commitment')
    })

    it('is the sponge over [tag, salt, count, three packed readings per element], zero slots included', async () => {
      const readingBits = 32n + 48n + 1n
      const packed = (i: number): bigint => (i < 4 ? (batch.times[i]! << 32n) + batch.values[i]! : 0n)
      const elements = Array.from(
        { length: 6 },
        (_, e) => packed(3 * e) + (packed(3 * e + 1) << readingBits) + (packed(3 * e + 2) << (2n * readingBits)),
      )
      const tag = (3n << 40n) + (16n << 24n) + (32n << 16n) + (48n << 8n) + 24n
      expect(commitmentV3Tag(params)).to.equal(tag)
      expect(await computeBatchCommitment(batch, 99n, params)).to.equal(poseidon2Hash([tag, 99n, 4n, ...elements]))
      const { commitment: _, ...v2 } = params
      expect(await computeBatchCommitment(batch, 99n, v2)).not.to.equal(await computeBatchCommitment(batch, 99n, params))
    })

    it('gives two circuits of one sponge length different commitments: a 16-bit reading re-read as a 24-bit one does not keep its commitment', async () => {
      // Both production circuits take 1,152 readings; without the tag, (t, v) at 16 bits and
      // (t >> 8, (t & 255)·2^16 + v) at 24 bits pack to the same element.
      const p16 = sensorStatsParams('sensor-stats-16bit-b1152-v3-honk')
      const p24 = sensorStatsParams('sensor-stats-24bit-b1152-v3-honk')
      expect(p16.batchSize).to.equal(p24.batchSize)
      const t = 1_700_000_123n
      const v = 4242n
      const reread = { values: [((t & 255n) << 16n) + v], times: [t >> 8n] }
      expect((reread.times[0]! << 24n) + reread.values[0]!).to.equal((t << 16n) + v)
      expect(await computeBatchCommitment({ values: [v], times: [t] }, 987654321n, p16)).not.to.equal(
        await computeBatchCommitment(reread, 987654321n, p24),
      )
    })

    it('refuses a salt that is not a field element, by name, under either scheme', async () => {
      const { commitment: _, ...v2 } = params
      for (const p of [params, v2]) {
        for (const salt of [P, -1n]) {
          const err = await computeBatchCommitment(batch, salt, p).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(err).to.be.instanceOf(BatchInputError)
        }
      }
    })
  })
})

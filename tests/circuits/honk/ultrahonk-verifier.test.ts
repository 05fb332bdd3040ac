// The TypeScript UltraHonk verifier (circuits/ultrahonk) against what it ports: bb's generated
// Solidity verifier for the test circuit (contracts/src/generated/SensorStatsB16TestV3HonkVerifier.sol),
// deployed on Hardhat's network. Real proofs of sensor-stats-b16-v3-honk by native bb; every
// verdict on honest, mutated and malformed input is compared with the contract's.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { AbiCoder, id, keccak256 as ethersKeccak256, type Signer } from 'ethers'
import hardhat from 'hardhat'
import {
  committedHonkKey,
  createDeviceKey,
  getHonkCircuit,
  honkProofBytes,
  honkProofLayout,
  listHonkCircuits,
  loadHonkVk,
  parseHonkVk,
  sensorStatsParams,
  SNARK_FIELD,
  ultraHonkKey,
  UltraHonkVerifyError,
  verifyUltraHonk,
  verifyUltraHonkBatch,
  type HonkVkJson,
  type UltraHonkKey,
} from '../../../circuits/index.js'
import { BB_G1_FILE, BB_G2_FILE, committedHonkVkPath, loadHonkCircuit, proveHonkBatch, type HonkCircuit } from '../../../circuits/node.js'
import { ArtifactError } from '../../../core/index.js'
import { FQ_MODULUS } from '../../../circuits/ultrahonk/bn254-field.js'
import { keccak256 } from '../../../circuits/ultrahonk/keccak256.js'
import { prepareUltraHonk } from '../../../circuits/ultrahonk/prepare-ultrahonk.js'
import { keyG2, pairingPointsOfProof } from '../../../circuits/ultrahonk/verify-ultrahonk.js'
import { pairingCheck } from '../../../circuits/ultrahonk/honk-curve.js'
import { curve } from '../../../circuits/verify-proof.js'
import { signedBatchInput } from '../../helpers/proven-dataset.js'
import { accumulateRelationEvaluations } from '../../../circuits/ultrahonk/honk-relations.js'
import { compileSolidity, deployHonkVerifier, deployLinked, type HonkVerify } from './honk-verifier.js'

const CIRCUIT = 'sensor-stats-b16-v3-honk'
const ROOT = join(import.meta.dirname, '..', '..', '..')
const solidityOf = (circuitId: string): string =>
  readFileSync(join(ROOT, 'contracts', 'src', 'generated', `${getHonkCircuit(circuitId).verifier}.sol`), 'utf8')

interface Proved {
  proof: Uint8Array
  publicInputs: string[]
}

/** Words as the contract's bytes32[] takes them. */
const asWords = (inputs: readonly (string | bigint)[]): string[] => inputs.map((s) => `0x${BigInt(s).toString(16).padStart(64, '0')}`)
const word = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))
/** A copy of `proof` with word `i` replaced. */
function withWord(proof: Uint8Array, i: number, value: Uint8Array): Uint8Array {
  const out = Uint8Array.from(proof)
  out.set(value, 32 * i)
  return out
}
function flipped(proof: Uint8Array, i: number): Uint8Array {
  const out = Uint8Array.from(proof)
  out[32 * i + 31] = out[32 * i + 31]! ^ 1
  return out
}

/** The TS verdict in the contract's terms: accepted, or rejected (false, or malformed input refused by name). */
async function tsAccepts(
  key: UltraHonkKey,
  proof: Uint8Array,
  inputs: readonly (string | bigint)[],
): Promise<{ accepted: boolean; how: string }> {
  try {
    return { accepted: await verifyUltraHonk(key, proof, inputs), how: 'false' }
  } catch (err) {
    if (err instanceof UltraHonkVerifyError) return { accepted: false, how: `malformed ${err.field.replace(/\[\d+\]/g, '[]')}` }
    throw err
  }
}

/** The constants the generated Solidity verifier holds for its key and its pairing. */
function solidityConstants(source: string) {
  const uint = (name: string): bigint => BigInt(new RegExp(`uint256 constant ${name} = (0x[0-9a-f]+|\\d+);`).exec(source)![1]!)
  const point = (name: string): [bigint, bigint] => {
    const m = new RegExp(
      `\\b${name}: [A-Za-z0-9_]+\\.G1Point\\(\\{\\s*x: uint256\\((0x[0-9a-f]+)\\),\\s*y: uint256\\((0x[0-9a-f]+)\\)`,
    ).exec(source)
    if (m === null) throw new Error(`no ${name} in the verifier`)
    return [BigInt(m[1]!), BigInt(m[2]!)]
  }
  // The pairing's second G2 point ("G2 point from VK"), EIP-197 order: x.c1, x.c0, y.c1, y.c0.
  const g2 = /G2 point from VK\s*((?:uint256\(0x[0-9a-f]+\),?\s*){4})/
    .exec(source)![1]!
    .match(/0x[0-9a-f]+/g)!
    .map(BigInt)
  return { n: uint('N'), logN: uint('LOG_N'), publicInputs: uint('NUMBER_OF_PUBLIC_INPUTS'), vkHash: uint('VK_HASH'), point, tauG2: g2 }
}

describe('UltraHonk verifier in TypeScript: a port of bb’s Solidity verifier (sensor-stats-b16-v3-honk)', function () {
  this.timeout(600_000)
  let circuit: HonkCircuit
  let key: UltraHonkKey
  let onChain: HonkVerify
  const honest: Proved[] = []

  before(async () => {
    const started = Date.now()
    circuit = await loadHonkCircuit(CIRCUIT)
    key = await committedHonkKey(CIRCUIT)
    const params = sensorStatsParams(CIRCUIT)
    const device = await createDeviceKey()
    const meaning = { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce: 5n }
    const t0 = 1_700_000_000n
    const batches = [
      { values: [100n, 200n, 150n], times: [t0, t0 + 60n, t0 + 120n], index: 0n, last: false },
      {
        values: Array.from({ length: params.batchSize }, (_, i) => BigInt(1000 + 37 * i)),
        times: Array.from({ length: params.batchSize }, (_, i) => t0 + 1000n + 61n * BigInt(i)),
        index: 1n,
        last: true,
      },
      { values: [65_535n], times: [t0 + 5000n], index: 7n, last: false },
    ]
    for (const b of batches) {
      const { input } = await signedBatchInput(params, b, {
        device,
        meaning,
        band: { lo: 120n, hi: 1500n },
        salt: 1000n + b.index,
        batchIndex: b.index,
        last: b.last,
      })
      const { proof, publicSignals } = await proveHonkBatch(circuit, input)
      honest.push({ proof: honkProofBytes(proof), publicInputs: publicSignals })
    }
    onChain = await deployHonkVerifier(solidityOf(CIRCUIT), getHonkCircuit(CIRCUIT).verifier)
    console.log(`      proved ${honest.length} batches and deployed the Solidity verifier in ${Date.now() - started} ms`)
  })

  describe('the verification key', () => {
    it('its committed JSON is the binary key the build wrote and holds what the Solidity verifier holds', () => {
      const binary = parseHonkVk(readFileSync(join(ROOT, 'build', 'circuits', CIRCUIT, 'vk')))
      const { tauG2, ...fromJson } = key
      expect(fromJson).to.deep.equal(binary)
      const sol = solidityConstants(solidityOf(CIRCUIT))
      expect([BigInt(key.circuitSize), BigInt(key.logCircuitSize), BigInt(key.publicInputsSize), key.vkHash]).to.deep.equal([
        sol.n,
        sol.logN,
        sol.publicInputs,
        sol.vkHash,
      ])
      for (const [name, p] of Object.entries(key.commitments)) expect([p.x, p.y], name).to.deep.equal(sol.point(name))
      expect([tauG2.x[1], tauG2.x[0], tauG2.y[1], tauG2.y[0]]).to.deep.equal(sol.tauG2)
      // …and is the CRS's own tau·G2 (bn254_g2.dat), the CRS the manifest records.
      expect(key).to.deep.equal(
        ultraHonkKey(readFileSync(join(ROOT, 'build', 'circuits', CIRCUIT, 'vk')), readFileSync(join(circuit.crs.dir, BB_G2_FILE))),
      )
      expect(circuit.crs.sha256).to.equal(getHonkCircuit(CIRCUIT).crs.sha256)
    })

    it("every committed circuit's key JSON loads, and equals its build's key and its Solidity verifier's constants", async () => {
      const circuits = listHonkCircuits()
      expect(circuits.map(([id]) => id)).to.include.members([
        'sensor-stats-16bit-b1152-v3-honk',
        'sensor-stats-24bit-b1152-v3-honk',
        'sensor-stats-32bit-b1128-v3-honk',
      ])
      for (const [id] of circuits) {
        const k = await committedHonkKey(id)
        const sol = solidityConstants(solidityOf(id))
        expect([BigInt(k.circuitSize), BigInt(k.logCircuitSize), BigInt(k.publicInputsSize), k.vkHash], id).to.deep.equal([
          sol.n,
          sol.logN,
          sol.publicInputs,
          sol.vkHash,
        ])
        for (const [name, p] of Object.entries(k.commitments)) expect([p.x, p.y], `${id} ${name}`).to.deep.equal(sol.point(name))
        expect([k.tauG2.x[1], k.tauG2.x[0], k.tauG2.y[1], k.tauG2.y[0]], id).to.deep.equal(sol.tauG2)
        const { tauG2: _, ...fromJson } = k
        expect(fromJson, id).to.deep.equal(parseHonkVk(readFileSync(join(ROOT, 'build', 'circuits', id, 'vk'))))
      }
      // The production circuits are 2^16 rows: 274-word proofs (8,768 bytes).
      expect(honkProofLayout(16).words * 32).to.equal(8768)
    })

    it('refuses a key JSON that is not the manifest’s: a changed commitment, another circuit’s key, another CRS, a wrong key hash', async () => {
      const json = JSON.parse(readFileSync(committedHonkVkPath(CIRCUIT), 'utf8')) as HonkVkJson
      const refusal = (value: unknown, id = CIRCUIT) =>
        loadHonkVk(id, value).then(
          () => undefined,
          (e: unknown) => e,
        )
      const changed = structuredClone(json)
      changed.commitments.qm = changed.commitments.ql
      expect(await refusal(changed))
        .to.be.instanceOf(ArtifactError)
        .with.property('message')
        .that.contains('manifest')
      expect(await refusal(json, 'sensor-stats-16bit-b1152-v3-honk')).to.be.instanceOf(ArtifactError)
      const otherCrs = structuredClone(json)
      otherCrs.crs.sha256 = '0'.repeat(64)
      expect(await refusal(otherCrs))
        .to.be.instanceOf(ArtifactError)
        .with.property('message')
        .that.contains('reference string')
      const badHash = structuredClone(json)
      badHash.vkHash = `0x${'0'.repeat(63)}1`
      expect(await refusal(badHash)).to.be.instanceOf(UltraHonkVerifyError)
      expect(await refusal({ ...json, extra: 1 })).to.be.instanceOf(ArtifactError)
      expect(await refusal('not an object')).to.be.instanceOf(ArtifactError)
      // tau·G2 is the JSON's alone: it must at least be a point of G2's subgroup, not (0, 0) or off the twist.
      const zero = `0x${'0'.repeat(64)}`
      const one = `0x${'0'.repeat(63)}1`
      for (const tauG2 of [
        { x: [zero, zero], y: [zero, zero] },
        { x: [one, zero], y: [one, zero] },
      ] as const) {
        const forged = structuredClone(json)
        forged.crs.tauG2 = { x: [...tauG2.x], y: [...tauG2.y] }
        expect(await refusal(forged))
          .to.be.instanceOf(UltraHonkVerifyError)
          .with.property('field', `${CIRCUIT}.honk-vk.json.crs.tauG2`)
      }
    })

    it('parseHonkVk refuses keys it does not describe: another length, another public-input offset, a point off the curve', () => {
      const vk = readFileSync(join(ROOT, 'build', 'circuits', CIRCUIT, 'vk'))
      expect(() => parseHonkVk(vk.subarray(0, 1856))).to.throw(UltraHonkVerifyError, /1856 bytes/)
      expect(() => parseHonkVk(withWord(vk, 2, word(4n)))).to.throw(UltraHonkVerifyError, /pubInputsOffset/)
      expect(() => parseHonkVk(withWord(vk, 4, word(1n)))).to.throw(UltraHonkVerifyError, /vk\.s1: the point is not on the BN254 curve/)
      expect(() => parseHonkVk(withWord(vk, 0, word(26n)))).to.throw(UltraHonkVerifyError, /logCircuitSize/)
    })
  })

  describe('single proofs', () => {
    it('accepts honest proofs of three different batches, as the Solidity verifier does', async () => {
      for (const p of honest) {
        expect(await verifyUltraHonk(key, p.proof, p.publicInputs)).to.equal(true)
        expect(await onChain(p.proof, asWords(p.publicInputs))).to.equal(true)
        // Public inputs as bb's public_inputs bytes are the same statement.
        expect(
          await verifyUltraHonk(key, p.proof, Buffer.concat(asWords(p.publicInputs).map((w) => Buffer.from(w.slice(2), 'hex')))),
        ).to.equal(true)
      }
    })

    it('agrees with the Solidity verifier on every word of a proof changed in turn (low bit flipped), and on words set to the moduli', async () => {
      const p = honest[0]!
      const inputs = asWords(p.publicInputs)
      const layout = honkProofLayout(key.logCircuitSize)
      const mutants: Array<[string, Uint8Array]> = []
      for (let i = 0; i < layout.words; i++) mutants.push([`word ${i} flipped`, flipped(p.proof, i)])
      // Each kind of element at its modulus (the Solidity verifier refuses both when it loads the proof).
      for (const [i, what] of [
        [layout.libraSum, 'libraSum = r'],
        [layout.sumcheckUnivariates + 4, 'a univariate = r'],
        [layout.sumcheckEvaluations + 20, 'an evaluation = r'],
        [layout.geminiAEvaluations + 3, 'a Gemini evaluation = r'],
        [layout.libraPolyEvals + 1, 'a Libra evaluation = r'],
      ] as const)
        mutants.push([what, withWord(p.proof, i, word(SNARK_FIELD))])
      mutants.push(['w1.x = q', withWord(p.proof, layout.w1, word(FQ_MODULUS))])
      mutants.push(['kzgQuotient.y = q', withWord(p.proof, layout.kzgQuotient + 1, word(FQ_MODULUS))])
      mutants.push(['a pairing-point limb ≥ 2^136', withWord(p.proof, 0, word(1n << 136n))])
      const tally = new Map<string, number>()
      for (const [what, proof] of mutants) {
        const ts = await tsAccepts(key, proof, inputs)
        const chain = await onChain(proof, inputs)
        expect(ts.accepted, `${what}: TS ${ts.how}, on chain ${chain}`).to.equal(chain)
        tally.set(ts.how, (tally.get(ts.how) ?? 0) + 1)
      }
      console.log(`      ${mutants.length} mutants, all rejected by both; TS verdicts: ${JSON.stringify(Object.fromEntries(tally))}`)
      expect(tally.get('false') ?? 0).to.be.greaterThan(100)
    })

    it('agrees with the Solidity verifier on changed public inputs, another proof’s inputs, and truncated or extended proofs', async () => {
      const [a, b] = [honest[0]!, honest[1]!]
      const cases: Array<[string, Uint8Array, string[]]> = [
        ...a.publicInputs.map((_, i): [string, Uint8Array, string[]] => [
          `public input ${i} + 1`,
          a.proof,
          asWords(a.publicInputs.map((s, j) => (i === j ? BigInt(s) + 1n : BigInt(s)))),
        ]),
        [
          'public input 4 + 2^160 (one more in range)',
          a.proof,
          asWords(a.publicInputs.map((s, j) => (j === 4 ? BigInt(s) + (1n << 160n) : BigInt(s)))),
        ],
        ['public input 0 = r', a.proof, asWords(a.publicInputs.map((s, j) => (j === 0 ? SNARK_FIELD : BigInt(s))))],
        ['another proof’s public inputs', a.proof, asWords(b.publicInputs)],
        ['the other proof with these inputs', b.proof, asWords(a.publicInputs)],
        ['five public inputs', a.proof, asWords(a.publicInputs.slice(0, 5))],
        ['seven public inputs', a.proof, asWords([...a.publicInputs, '1'])],
        ['truncated by one word', a.proof.subarray(0, a.proof.length - 32), asWords(a.publicInputs)],
        ['extended by one word', Buffer.concat([a.proof, new Uint8Array(32)]), asWords(a.publicInputs)],
        ['empty', new Uint8Array(0), asWords(a.publicInputs)],
        ['a proof for 2^16 rows', new Uint8Array(32 * honkProofLayout(16).words), asWords(a.publicInputs)],
      ]
      for (const [what, proof, inputs] of cases) {
        const ts = await tsAccepts(key, proof, inputs)
        const chain = await onChain(proof, inputs)
        expect(ts.accepted, `${what}: TS ${ts.how}, on chain ${chain}`).to.equal(chain)
        expect(chain, what).to.equal(false)
      }
    })

    it('rejects malformed input with UltraHonkVerifyError naming the element, and a well-formed false proof with false', async () => {
      const p = honest[0]!
      const layout = honkProofLayout(key.logCircuitSize)
      const refused = async (proof: Uint8Array, inputs: readonly (string | bigint)[] | Uint8Array = p.publicInputs) => {
        const err = await verifyUltraHonk(key, proof, inputs).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err).to.be.instanceOf(UltraHonkVerifyError)
        const e = err as UltraHonkVerifyError
        expect(e.name).to.equal('UltraHonkVerifyError')
        expect(e.category).to.equal('tampered')
        return e
      }
      expect((await refused(p.proof.subarray(0, 100))).field).to.equal('proof')
      expect((await refused(withWord(p.proof, layout.sumcheckEvaluations + 3, word(SNARK_FIELD)))).field).to.equal('sumcheckEvaluations[3]')
      expect((await refused(withWord(p.proof, layout.w1, word(FQ_MODULUS + 1n)))).message).to.match(/^w1: a coordinate is not below/)
      const offCurve = await refused(withWord(p.proof, layout.w2 + 1, word(1n)))
      expect([offCurve.field, offCurve.message]).to.deep.equal(['w2', 'w2: the point is not on the BN254 curve'])
      expect((await refused(withWord(p.proof, 1, word(1n << 120n)))).field).to.equal('pairingPointObject[1]')
      // A non-default pairing-point object must be two points on the curve, neither at infinity.
      expect((await refused(withWord(p.proof, 0, word(5n)))).field).to.equal('pairingPointObject.P0')
      expect((await refused(p.proof, p.publicInputs.slice(1))).field).to.equal('publicInputs')
      expect(
        (
          await refused(
            p.proof,
            p.publicInputs.map((s, i) => (i === 2 ? SNARK_FIELD : s)),
          )
        ).field,
      ).to.equal('publicInputs[2]')
      const notANumber = await refused(p.proof, ['abc', ...p.publicInputs.slice(1)])
      expect(notANumber.field).to.equal('publicInputs[0]')
      expect(notANumber.cause).to.be.instanceOf(SyntaxError)
      expect((await refused(p.proof, ['-1', ...p.publicInputs.slice(1)])).field).to.equal('publicInputs[0]')
      expect((await refused(p.proof, ['', ...p.publicInputs.slice(1)])).field).to.equal('publicInputs[0]')
      expect((await refused(p.proof, [1n << 256n, ...p.publicInputs.slice(1)])).field).to.equal('publicInputs[0]')
      expect((await refused(p.proof, new Uint8Array(33))).field).to.equal('publicInputs')
      // Well formed, but not a proof of these inputs: false, not an error.
      expect(await verifyUltraHonk(key, p.proof, honest[1]!.publicInputs)).to.equal(false)
    })

    it("pairs with the key's tau·G2: the same proof under Aztec's [x]₂ is false", async () => {
      const aztec = {
        ...key,
        tauG2: {
          x: [
            0x0118c4d5b837bcc2bc89b5b398b5974e9f5944073b32078b7e231fec938883b0n,
            0x260e01b251f6f1c7e7ff4e580791dee8ea51d87a358e038b4efe30fac09383c1n,
          ],
          y: [
            0x22febda3c0c0632a56475b4214e5615e11e6dd3f96e6cea2854a87d4dacc5e55n,
            0x04fc6369f7110fe3d25156c1bb9a72859cf2a04641f99ba4ee413c80da6a5fe4n,
          ],
        },
      } satisfies UltraHonkKey
      expect(await verifyUltraHonk(aztec, honest[0]!.proof, honest[0]!.publicInputs)).to.equal(false)
    })

    it('folds a pairing-point object into the pairing: an accumulator that pairs to one keeps an honest proof valid, one that does not fails it', async () => {
      // No proof here aggregates another (its object is all zero), so the object is set after the
      // transcript: P0' = −[x]₁, P1' = [1]₁ satisfy e(P0', [1]₂)·e(P1', [x]₂) = 1 (the CRS's second G1 point is [x]₁).
      const c = await curve()
      const g1 = readFileSync(join(circuit.crs.dir, BB_G1_FILE))
      const x1 = { x: BigInt(`0x${g1.subarray(64, 96).toString('hex')}`), y: BigInt(`0x${g1.subarray(96, 128).toString('hex')}`) }
      const limbs = (points: Array<{ x: bigint; y: bigint }>) =>
        points.flatMap((pt) => [pt.x, pt.y].flatMap((v) => [v & ((1n << 136n) - 1n), v >> 136n]))
      const verdict = async (p0: { x: bigint; y: bigint }, p1: { x: bigint; y: bigint }) => {
        const prepared = prepareUltraHonk(key, honest[0]!.proof, honest[0]!.publicInputs)!
        prepared.proof.pairingPointObject = limbs([p0, p1])
        const [a, b] = await pairingPointsOfProof(c, key, prepared)
        const g2 = keyG2(c, key)
        return pairingCheck(c, a, b, g2.generator, g2.tau)
      }
      expect(await verdict({ x: x1.x, y: FQ_MODULUS - x1.y }, { x: 1n, y: 2n })).to.equal(true)
      expect(await verdict(x1, { x: 1n, y: 2n })).to.equal(false)
    })
  })

  it('evaluates the Ultra relation as the Solidity RelationsLib does, on random evaluations with every selector nonzero', async () => {
    // The test circuit's key has no lookup, elliptic, memory or non-native-field gates (their
    // selectors commit to zero), so honest proofs exercise those relations only at zero; the
    // library's accumulateRelationEvaluations is external and pure, so it is called directly, by
    // its library selector (structs named by their Solidity name, not expanded as in a contract's ABI).
    const prefix = getHonkCircuit(CIRCUIT).verifier
    const name = `${prefix}_RelationsLib`
    const contracts = compileSolidity(solidityOf(CIRCUIT))
    const [deployer] = await hardhat.ethers.getSigners()
    const address = await deployLinked(contracts, name, deployer as unknown as Signer)
    const selector = id(`accumulateRelationEvaluations(uint256[41],${prefix}_Honk.RelationParameters,uint256[28],uint256)`).slice(0, 10)
    const abi = AbiCoder.defaultAbiCoder()
    const solidity = async (
      p: bigint[],
      rp: { eta: bigint; beta: bigint; gamma: bigint; publicInputsDelta: bigint },
      alphas: bigint[],
      pow: bigint,
    ) => {
      const args = abi.encode(
        ['uint256[41]', 'tuple(uint256,uint256,uint256,uint256)', 'uint256[28]', 'uint256'],
        [p, [rp.eta, rp.beta, rp.gamma, rp.publicInputsDelta], alphas, pow],
      )
      return BigInt(await hardhat.ethers.provider.call({ to: address, data: selector + args.slice(2) }))
    }
    let seed = 0x5eedn
    const random = (): bigint => {
      seed = BigInt(ethersKeccak256(word(seed)))
      return seed % SNARK_FIELD
    }
    for (let draw = 0; draw < 40; draw++) {
      // Some draws with small values (0, 1, 2, 3 as selectors and wires take), the rest full-size.
      const small = draw % 4 === 3
      const p = Array.from({ length: 41 }, () => (small ? random() % 4n : random()))
      const rp = { eta: random(), beta: random(), gamma: random(), publicInputsDelta: random() }
      const alphas = Array.from({ length: 28 }, random)
      const pow = random()
      const expected = await solidity(p, rp, alphas, pow)
      expect(accumulateRelationEvaluations(p, rp, alphas, pow), `draw ${draw}`).to.equal(expected)
    }
  })

  describe('batches', () => {
    /** An honest proof whose KZG quotient is replaced by another point on the curve: the transcript does not hash it, so only the pairing fails. */
    const forged = (): Proved => {
      const p = honest[1]!
      const at = honkProofLayout(key.logCircuitSize).kzgQuotient
      return { proof: withWord(withWord(p.proof, at, word(1n)), at + 1, word(2n)), publicInputs: p.publicInputs }
    }

    it('accepts a chunk of honest proofs, and the forged proof alone is false (on chain too)', async () => {
      const items = Array.from({ length: 9 }, (_, i) => ({ proof: honest[i % 3]!.proof, publicInputs: honest[i % 3]!.publicInputs }))
      expect(await verifyUltraHonkBatch(key, items)).to.deep.equal(new Array(9).fill(true))
      const f = forged()
      expect(prepareUltraHonk(key, f.proof, f.publicInputs), 'the forgery passes everything before the pairing').not.to.equal(undefined)
      expect(await verifyUltraHonk(key, f.proof, f.publicInputs)).to.equal(false)
      expect(await onChain(f.proof, asWords(f.publicInputs))).to.equal(false)
    })

    it('names the forged proof in a chunk with one bad proof, and a proof with another’s inputs, across chunks', async () => {
      const items = Array.from({ length: 11 }, (_, i) => ({ proof: honest[i % 3]!.proof, publicInputs: honest[i % 3]!.publicInputs }))
      items[4] = forged()
      items[9] = { proof: honest[0]!.proof, publicInputs: honest[2]!.publicInputs }
      const progress: number[] = []
      const verdicts = await verifyUltraHonkBatch(key, items, { chunkSize: 4, onProgress: (done) => progress.push(done) })
      expect(verdicts.flatMap((v, i) => (v ? [] : [i]))).to.deep.equal([4, 9])
      expect(progress).to.deep.equal([4, 8, 11])
      expect(await verifyUltraHonkBatch(key, [])).to.deep.equal([])
    })

    it('with onMalformed, a malformed item is false and reported while the others are verified in their chunk', async () => {
      const items = [honest[0]!, { proof: honest[1]!.proof.subarray(32), publicInputs: honest[1]!.publicInputs }, honest[2]!]
      const reported: Array<[number, string]> = []
      const verdicts = await verifyUltraHonkBatch(key, items, { onMalformed: (i, e) => reported.push([i, e.field]) })
      expect(verdicts).to.deep.equal([true, false, true])
      expect(reported).to.deep.equal([[1, 'items[1].proof']])
    })

    it('throws UltraHonkVerifyError for a malformed item, naming it', async () => {
      const items = [honest[0]!, { proof: honest[1]!.proof.subarray(32), publicInputs: honest[1]!.publicInputs }]
      const err = await verifyUltraHonkBatch(key, items).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.be.instanceOf(UltraHonkVerifyError).with.property('field', 'items[1].proof')
      expect((err as UltraHonkVerifyError).cause).to.be.instanceOf(UltraHonkVerifyError)
    })
  })

  it('its keccak256 equals ethers’ on every input length up to 700 bytes', () => {
    for (let len = 0; len <= 700; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 131 + len * 7) & 0xff)
      expect(`0x${Buffer.from(keccak256(bytes)).toString('hex')}`, `${len} bytes`).to.equal(ethersKeccak256(bytes))
    }
  })
})

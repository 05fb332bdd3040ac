import { expect } from 'chai'
import { addPoint, BABYJUB_SUBORDER } from '../../../circuits/babyjub.js'
import { SNARK_FIELD } from '../../../core/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../../../circuits/index.js'
import { compileNoir, executeNoir, NoirWitnessError, noirProject, type NoirProgram } from '../../../circuits/node.js'

interface Signed {
  key: DeviceKey
  message: bigint
  R8x: bigint
  R8y: bigint
  S: bigint
}

describe('Baby Jubjub and EdDSA-Poseidon in Noir (circuits/noir/babyjub)', function () {
  this.timeout(300_000)
  let program: NoirProgram
  let signed: Signed

  before(async () => {
    const started = Date.now()
    program = await compileNoir(noirProject('babyjub-check'))
    console.log(`      compiled babyjub-check in ${Date.now() - started} ms`)
    const key = await createDeviceKey()
    const message = 0x1234567890abcdefn
    signed = { key, message, ...(await signEddsaPoseidon(key.privateKey, message)) }
  })

  function run(s: Signed, overrides: Partial<Record<'ax' | 'ay' | 's' | 'm' | 'x', bigint>> = {}): Promise<{ returnValue: unknown }> {
    const inputs = { ax: s.key.Ax, ay: s.key.Ay, s: s.S, r8x: s.R8x, r8y: s.R8y, m: s.message, x: 0n, ...overrides }
    return executeNoir(program, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.toString()])))
  }

  async function rejects(promise: Promise<unknown>): Promise<void> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(NoirWitnessError)
  }

  it("accepts a signature made by the project's signer (circomlibjs signPoseidon), with the same curve sums", async () => {
    const { returnValue } = await run(signed)
    const [sx, sy, dx, dy] = (returnValue as string[]).map((v) => BigInt(v))
    const A: [bigint, bigint] = [signed.key.Ax, signed.key.Ay]
    expect([sx, sy]).to.deep.equal(addPoint(A, [signed.R8x, signed.R8y]))
    expect([dx, dy]).to.deep.equal(addPoint(A, A))
  })

  it('accepts signatures of several keys and messages, including message 0', async () => {
    for (const message of [0n, 1n, 2n ** 253n + 12345n]) {
      const key = await createDeviceKey()
      await run({ key, message, ...(await signEddsaPoseidon(key.privateKey, message)) })
    }
  })

  it('rejects the signature for another message', async () => {
    await rejects(run(signed, { m: signed.message + 1n }))
  })

  it('rejects the signature under another key', async () => {
    const other = await createDeviceKey()
    await rejects(run(signed, { ax: other.Ax, ay: other.Ay }))
  })

  it('rejects S + subgroup order, which satisfies the curve equation but not S < order', async () => {
    await rejects(run(signed, { s: signed.S + BABYJUB_SUBORDER }))
  })

  it('rejects the identity as key (8A has x = 0)', async () => {
    await rejects(run(signed, { ax: 0n, ay: 1n }))
  })

  it("decomposes field elements up to p − 1 strictly (Num2Bits_strict's bound, whose borrow case is p − 1's low half)", async () => {
    const P = SNARK_FIELD
    const half = 1n << 128n
    for (const x of [0n, 1n, half - 1n, half, (P / half) * half, (P / half) * half - 1n, P - 2n, P - 1n]) {
      const { returnValue } = await run(signed, { x })
      expect(BigInt((returnValue as string[])[4]!)).to.equal(x)
    }
  })
})

import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { buildPoseidon, type Poseidon } from 'circomlibjs'
import { compileNoir, executeNoir, noirProject, type NoirProgram } from '../../../circuits/node.js'

const WIDTHS = [1, 2, 3, 4, 5, 7, 16]
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n // BN254 scalar field

describe('circomlib Poseidon in Noir (circuits/noir/poseidon)', function () {
  this.timeout(180_000)
  let program: NoirProgram
  let poseidon: Poseidon

  before(async () => {
    const started = Date.now()
    program = await compileNoir(noirProject('poseidon-check'))
    console.log(`      compiled poseidon-check in ${Date.now() - started} ms`)
    poseidon = await buildPoseidon()
  })

  /** Noir's outputs for x (hash_1 … hash_16 of its prefixes) and circomlibjs's for the same prefixes. */
  async function both(x: bigint[]): Promise<{ noir: bigint[]; circomlibjs: bigint[] }> {
    const { returnValue } = await executeNoir(program, { x: x.map((v) => v.toString()) })
    const noir = (returnValue as string[]).map((v) => BigInt(v))
    const circomlibjs = WIDTHS.map((n) => poseidon.F.toObject(poseidon(x.slice(0, n))))
    return { noir, circomlibjs }
  }

  const cases: Array<[string, bigint[]]> = [
    ['zeros', Array.from({ length: 16 }, () => 0n)],
    ['small integers', Array.from({ length: 16 }, (_, i) => BigInt(i + 1))],
    ['the largest field element', Array.from({ length: 16 }, () => R - 1n)],
    ['mixed large values', Array.from({ length: 16 }, (_, i) => (BigInt(i + 7) * 0x1234567890abcdef1234567890abcdefn ** 2n) % R)],
  ]
  for (const [name, x] of cases) {
    it(`equals circomlibjs at every width (1, 2, 3, 4, 5, 7, 16 inputs) for ${name}`, async () => {
      const { noir, circomlibjs } = await both(x)
      expect(noir).to.deep.equal(circomlibjs)
    })
  }

  it('differs when one input changes (the comparison is not vacuous)', async () => {
    const x = Array.from({ length: 16 }, (_, i) => BigInt(i + 1))
    const { noir } = await both(x)
    const { noir: changed } = await both([x[0]!, x[1]! + 1n, ...x.slice(2)])
    expect(changed[0]).to.equal(noir[0]) // hash_1 reads only x[0]
    for (const i of [1, 2, 3, 4, 5, 6]) expect(changed[i]).not.to.equal(noir[i])
  })

  it("matches noir-lang/poseidon's test vector hash_1([42]) (that crate is circomlib-compatible too)", async () => {
    const x = [42n, ...Array.from({ length: 15 }, () => 0n)]
    const { noir } = await both(x)
    expect(noir[0]).to.equal(0x1b408dafebeddf0871388399b1e53bd065fd70f18580be5cdde15d7eb2c52743n)
  })

  it('has its constants file as the generator writes it from circomlibjs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-poseidon-'))
    try {
      execFileSync('npx', ['tsx', 'scripts/generate-noir-poseidon.ts', '--out', join(dir, 'constants.nr')])
      const committed = await readFile(join(noirProject('poseidon'), 'src', 'constants.nr'), 'utf8')
      expect(await readFile(join(dir, 'constants.nr'), 'utf8')).to.equal(committed)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

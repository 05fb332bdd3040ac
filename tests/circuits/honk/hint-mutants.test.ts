// Forged values of the Noir statement's internal hints (the unconstrained functions), which no
// program input reaches: a copy of circuits/noir with one hint function changed, compiled, and
// executed on an honest, signed B = 16 statement. Each must fail: the constraints around a hint,
// not the hint, decide what the program accepts. (The input-level forgeries are in
// stats-equivalence.test.ts.)
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { compileNoir, executeNoir, NoirWitnessError, noirProject, sensorStatsNoirInput } from '../../../circuits/node.js'
import { BASE, ForgeryHarness, replaceOnce } from '../forgeries.js'

const MUTANTS: Array<{ name: string; file: string; from: string; to: string }> = [
  {
    name: 'the comparison bit of greater_equal inverted (a reading outside [lo, hi] counted in range and the other way round)',
    file: 'sensor-stats-v2/src/lib.nr',
    from: '        (((t as u64) >> (N as u64)) & 1) as Field\n',
    to: '        1 - ((((t as u64) >> (N as u64)) & 1) as Field)\n',
  },
  {
    name: "BabyAdd's quotient hint off by one (a point the addition formulas do not give)",
    file: 'babyjub/src/lib.nr',
    from: '        n / d\n',
    to: '        n / d + 1\n',
  },
  {
    name: "the strict decomposition's lowest bit flipped (bits that do not sum to h)",
    file: 'babyjub/src/lib.nr',
    from: '    x.to_le_bits().map(|b: bool| b as Field)\n',
    to: '    let mut bits = x.to_le_bits().map(|b: bool| b as Field);\n    bits[0] = 1 - bits[0];\n    bits\n',
  },
]

describe('the Noir SensorStatsV2 refuses forged internal hints (mutated hint functions, B = 16)', function () {
  this.timeout(600_000)
  let dir: string
  let input: Record<string, string | string[]>
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-noir-mutants-'))
    const harness = await ForgeryHarness.create()
    input = sensorStatsNoirInput(await harness.sign(await harness.input(BASE)))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  /** circuits/noir copied with `change` applied, and its B = 16 program compiled. */
  async function programWith(name: string, change?: { file: string; from: string; to: string }) {
    const copy = join(dir, name)
    await cp(join(noirProject('sensor-stats-b16-v2'), '..'), copy, { recursive: true })
    if (change !== undefined) {
      const file = join(copy, change.file)
      await writeFile(file, replaceOnce(await readFile(file, 'utf8'), change.from, change.to))
    }
    return compileNoir(join(copy, 'sensor-stats-b16-v2'))
  }

  it('accepts the honest statement with the hint functions as they are (the baseline of the mutants)', async () => {
    const { returnValue } = await executeNoir(await programWith('original'), input)
    expect(returnValue).to.have.length(6)
  })

  MUTANTS.forEach((mutant, i) => {
    it(`refuses an honest statement when ${mutant.name}`, async () => {
      const program = await programWith(`mutant-${i}`, mutant)
      const err = await executeNoir(program, input).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, 'the mutated program accepted the statement').to.be.instanceOf(NoirWitnessError)
    })
  })
})

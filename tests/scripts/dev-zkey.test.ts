import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { expect } from 'chai'
import * as snarkjs from 'snarkjs'
import { writeDevPtau } from '../../scripts/dev-ptau.js'
import { readR1cs, writeDevZkey } from '../../scripts/dev-zkey.js'
import { readBinSections } from '../../scripts/bin-file.js'

// A small circuit with a public input, a public output, a private input and linear combinations in
// A, B and C, so every section of the key (IC, A, B1, B2, C, H, coefficients) has content.
const CIRCUIT = `pragma circom 2.1.6;
template T() {
  signal input x;
  signal input y;
  signal output z;
  signal t;
  t <== (x + 3) * (y - 2 * x);
  z <== t * t + 5 * y;
}
component main {public [x]} = T();
`

describe('writeDevZkey', function () {
  this.timeout(300_000)
  let dir: string
  let r1cs: string
  let wasm: string
  before(async () => {
    // circom2 runs sandboxed in the working directory: compile inside the project's build folder.
    await mkdir(join(process.cwd(), 'build'), { recursive: true })
    dir = await mkdtemp(join(process.cwd(), 'build', 'dev-zkey-test-'))
    await writeFile(join(dir, 't.circom'), CIRCUIT)
    execFileSync(
      process.execPath,
      [
        'node_modules/circom2/cli.js',
        relative(process.cwd(), join(dir, 't.circom')),
        '--r1cs',
        '--wasm',
        '-o',
        relative(process.cwd(), dir),
      ],
      {
        stdio: 'ignore',
      },
    )
    r1cs = join(dir, 't.r1cs')
    wasm = join(dir, 't_js', 't.wasm')
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads the r1cs header as snarkjs does', async () => {
    const ours = readR1cs(await readFile(r1cs))
    const info = (await snarkjs.r1cs.info(r1cs)) as { nVars: number; nConstraints: number; nOutputs: number; nPubInputs: number }
    expect([ours.nVars, ours.nConstraints, ours.nOutputs, ours.nPubInputs]).to.deep.equal([
      info.nVars,
      info.nConstraints,
      info.nOutputs,
      info.nPubInputs,
    ])
    expect(ours.constraints).to.have.length(info.nConstraints)
  })

  it('with delta = 1 writes exactly the key snarkjs newZKey computes from the development powers of tau', async () => {
    const info = await writeDevZkey(r1cs, join(dir, 'ours.zkey'), { delta: 1n })
    // newZKey reads the circuit's Lagrange level and the next one (for H) from the ptau.
    await writeDevPtau(join(dir, 'dev.ptau'), Math.log2(info.domainSize) + 1)
    await snarkjs.zKey.newZKey(r1cs, join(dir, 'dev.ptau'), join(dir, 'theirs.zkey'))
    const a = readBinSections(await readFile(join(dir, 'ours.zkey')), 'zkey')
    const b = readBinSections(await readFile(join(dir, 'theirs.zkey')), 'zkey')
    expect([...a.keys()].sort()).to.deep.equal([...b.keys()].sort())
    for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(a.get(id)?.equals(b.get(id) as Buffer), `section ${id}`).to.equal(true)
    // Section 10 differs by design: no contributions were made, and the circuit hash is our own.
    expect(a.get(10)?.readUInt32LE(64)).to.equal(0)
  })

  it('with the seed delta makes proofs that verify, and refuses a forged public signal', async () => {
    const zkey = join(dir, 'dev.zkey')
    await writeDevZkey(r1cs, zkey)
    const vkey = (await snarkjs.zKey.exportVerificationKey(zkey)) as object
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: 4, y: 9 }, wasm, zkey)
    // z = ((4 + 3)(9 − 8))² + 45 = 94; public signals are outputs first, then public inputs.
    expect(publicSignals).to.deep.equal(['94', '4'])
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).to.equal(true)
    expect(await snarkjs.groth16.verify(vkey, ['95', '4'], proof)).to.equal(false)
  })

  it('applies delta only where it enters the key: the header, C and H', async () => {
    const a = readBinSections(await readFile(join(dir, 'ours.zkey')), 'zkey')
    const b = readBinSections(await readFile(join(dir, 'dev.zkey')), 'zkey')
    for (const id of [3, 4, 5, 6, 7]) expect(a.get(id)?.equals(b.get(id) as Buffer), `section ${id}`).to.equal(true)
    for (const id of [2, 8, 9]) expect(a.get(id)?.equals(b.get(id) as Buffer), `section ${id}`).to.equal(false)
  })

  it('is deterministic for a seed and differs between seeds', async () => {
    await writeDevZkey(r1cs, join(dir, 'again.zkey'))
    await writeDevZkey(r1cs, join(dir, 'other.zkey'), { seed: 'another seed' })
    const [one, again, other] = await Promise.all(['dev', 'again', 'other'].map((n) => readFile(join(dir, `${n}.zkey`))))
    expect(one?.equals(again as Buffer)).to.equal(true)
    expect(one?.equals(other as Buffer)).to.equal(false)
  })
})

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import * as snarkjs from 'snarkjs'
import { writeDevPtau } from '../../scripts/dev-ptau.js'
import { readBinSections } from '../../scripts/bin-file.js'

describe('writeDevPtau', function () {
  this.timeout(120_000)
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-ptau-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('computes the same Lagrange sections as snarkjs preparePhase2 does by FFT', async () => {
    const ours = join(dir, 'ours.ptau')
    const theirs = join(dir, 'theirs.ptau')
    await writeDevPtau(ours, 5)
    await snarkjs.powersOfTau.preparePhase2(ours, theirs)
    const a = readBinSections(await readFile(ours), 'ptau')
    const b = readBinSections(await readFile(theirs), 'ptau')
    expect([...a.keys()]).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15])
    for (const id of [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) {
      expect(a.get(id)?.equals(b.get(id) as Buffer), `section ${id}`).to.equal(true)
    }
  })

  it('is deterministic for a seed and differs between seeds', async () => {
    await writeDevPtau(join(dir, 'a.ptau'), 3)
    await writeDevPtau(join(dir, 'b.ptau'), 3)
    await writeDevPtau(join(dir, 'c.ptau'), 3, { seed: 'another seed' })
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readFile(join(dir, `${n}.ptau`))))
    expect(a?.equals(b as Buffer)).to.equal(true)
    expect(a?.equals(c as Buffer)).to.equal(false)
  })

  it('rejects a power outside what the curve supports', async () => {
    let error: unknown
    try {
      await writeDevPtau(join(dir, 'x.ptau'), 29)
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(RangeError)
  })
})

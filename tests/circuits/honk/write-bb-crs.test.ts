import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import * as snarkjs from 'snarkjs'
import { getHonkCircuit } from '../../../circuits/index.js'
import {
  BB_G1_FILE,
  BB_G2_FILE,
  CrsError,
  DEV_SEED,
  devBbCrs,
  findBbBinary,
  loadHonkCircuit,
  writeBbCrs,
  type BbCrs,
} from '../../../circuits/node.js'
import { writeDevBbCrsFromSeed } from '../../../scripts/dev-bb-crs-from-seed.js'
import { DEV_PTAU_SEED, writeDevPtau } from '../../../scripts/dev-ptau.js'
import { testCrs } from './dev-crs.js'

interface Curve {
  G1: { fromObject(o: bigint[]): unknown; g: unknown; eq(a: unknown, b: unknown): boolean; neg(a: unknown): unknown }
  G2: { fromObject(o: bigint[][]): unknown; g: unknown }
  pairingEq(...args: unknown[]): Promise<boolean>
  terminate(): Promise<void>
}

const be = (b: Buffer, at: number): bigint => BigInt(`0x${b.subarray(at, at + 32).toString('hex')}`)
/** A bb G1 point (x‖y big-endian), read independently of the writer. */
const g1At = (curve: Curve, data: Buffer, i: number): unknown => curve.G1.fromObject([be(data, 64 * i), be(data, 64 * i + 32), 1n])

describe('writeBbCrs', function () {
  this.timeout(120_000)
  let crs: BbCrs & { ptau: string }
  let g1: Buffer
  let g2: Buffer
  let curve: Curve
  let dir: string

  before(async () => {
    crs = testCrs(undefined, { ptau: true }) // the conversion tests read the ptau itself
    g1 = await readFile(join(crs.dir, BB_G1_FILE))
    g2 = await readFile(join(crs.dir, BB_G2_FILE))
    curve = (await snarkjs.curves.getCurveFromName('bn128')) as unknown as Curve
    dir = await mkdtemp(join(tmpdir(), 'assay-crs-'))
  })
  after(async () => {
    await curve.terminate()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes 64 bytes per G1 point and 128 bytes of G2', () => {
    expect(g1.length).to.equal(64 * crs.points)
    expect(g2.length).to.equal(128)
  })

  it('starts with the generator (1, 2), big-endian, not in Montgomery form', () => {
    expect(be(g1, 0)).to.equal(1n)
    expect(be(g1, 32)).to.equal(2n)
    expect(curve.G1.eq(g1At(curve, g1, 0), curve.G1.g)).to.equal(true)
  })

  it('holds successive powers of the tau that its G2 point holds (pairing checks)', async () => {
    const tauG2 = curve.G2.fromObject([
      [be(g2, 0), be(g2, 32)],
      [be(g2, 64), be(g2, 96)],
      [1n, 0n],
    ])
    // e(tau^(i+1)·G1, G2) = e(tau^i·G1, tau·G2) for the first, a middle and the last point.
    for (const i of [0, 1, 1234, crs.points - 2]) {
      const ok = await curve.pairingEq(g1At(curve, g1, i + 1), curve.G2.g, curve.G1.neg(g1At(curve, g1, i)), tauG2)
      expect(ok, `point ${i + 1}`).to.equal(true)
    }
    const skipped = await curve.pairingEq(g1At(curve, g1, 2), curve.G2.g, curve.G1.neg(g1At(curve, g1, 0)), tauG2)
    expect(skipped, 'tau^2 is not tau^1').to.equal(false)
  })

  it("serialises G2 in bb's order: Aztec's [x]_2 in that order hashes to the digest bb pins", async () => {
    // The canonical [x]_2 (from bb's Solidity verifier, EIP-197 order c1, c0) rewritten as c0‖c1.
    const x2 = [
      '0118c4d5b837bcc2bc89b5b398b5974e9f5944073b32078b7e231fec938883b0',
      '260e01b251f6f1c7e7ff4e580791dee8ea51d87a358e038b4efe30fac09383c1',
      '22febda3c0c0632a56475b4214e5615e11e6dd3f96e6cea2854a87d4dacc5e55',
      '04fc6369f7110fe3d25156c1bb9a72859cf2a04641f99ba4ee413c80da6a5fe4',
    ]
    const digest = createHash('sha256')
      .update(Buffer.from(x2.join(''), 'hex'))
      .digest()
    const bb = await readFile(findBbBinary())
    expect(bb.indexOf(digest)).to.be.greaterThan(0)
  })

  it('keeps a CRS already written with the right hash, and rewrites a damaged one', async () => {
    const first = writeBbCrs(crs.ptau, dir, { points: 64 })
    expect(first.written).to.equal(true)
    const before = (await stat(join(dir, BB_G1_FILE))).mtimeMs
    const again = writeBbCrs(crs.ptau, dir, { points: 64 })
    expect(again).to.deep.equal({ ...first, written: false })
    expect((await stat(join(dir, BB_G1_FILE))).mtimeMs).to.equal(before)
    await writeFile(join(dir, BB_G2_FILE), Buffer.alloc(128))
    const repaired = writeBbCrs(crs.ptau, dir, { points: 64 })
    expect(repaired.written).to.equal(true)
    expect(repaired.sha256).to.equal(first.sha256)
  })

  it("replaces a CRS of another ptau's tau written to the same folder", async () => {
    const other = join(dir, 'other.ptau')
    await writeDevPtau(other, 3, { seed: 'another tau' })
    const ours = writeBbCrs(crs.ptau, join(dir, 'shared'), { points: 8 })
    const theirs = writeBbCrs(other, join(dir, 'shared'), { points: 8 })
    expect(theirs.written).to.equal(true)
    expect(theirs.sha256).not.to.equal(ours.sha256)
    expect(be(await readFile(join(dir, 'shared', BB_G1_FILE)), 0)).to.equal(1n) // still starts at the generator
  })

  it("computed from the development seed without a ptau, it is the development ptau's CRS byte for byte (devBbCrs finds it)", async () => {
    const cache = join(dir, 'seed-cache')
    const fromSeed = await writeDevBbCrsFromSeed(cache, crs.points)
    expect(fromSeed.sha256).to.equal(crs.sha256)
    expect(await readFile(join(fromSeed.dir, BB_G1_FILE))).to.deep.equal(g1)
    expect(await readFile(join(fromSeed.dir, BB_G2_FILE))).to.deep.equal(g2)
    // No ptau in that cache: devBbCrs answers with the seed's CRS, and with it for fewer points too.
    expect(devBbCrs({ points: crs.points, cacheDir: cache })).to.include({ sha256: crs.sha256, ptau: '' })
    expect(devBbCrs({ points: 64, cacheDir: cache })).to.include({ points: crs.points, ptau: '' })
  })

  it('is written on first use by loadHonkCircuit on a machine that never built (its own cache), and is the manifest’s', async () => {
    expect(DEV_SEED).to.equal(DEV_PTAU_SEED)
    const cache = join(dir, 'fresh-machine')
    const circuit = await loadHonkCircuit('sensor-stats-b16-v3-honk', { cacheDir: cache })
    expect(circuit.crs.sha256).to.equal(getHonkCircuit('sensor-stats-b16-v3-honk').crs.sha256)
    expect(circuit.crs.dir.startsWith(cache)).to.equal(true)
  })

  it('refuses more points than the ptau holds, and a file that is not a ptau', async () => {
    expect(() => writeBbCrs(crs.ptau, dir, { points: 2 ** 30 })).to.throw(CrsError, 'G1 points')
    await writeFile(join(dir, 'not.ptau'), 'zkey0000000000000')
    expect(() => writeBbCrs(join(dir, 'not.ptau'), join(dir, 'x'), { points: 4 })).to.throw(CrsError, 'not a powers-of-tau file')
  })
})

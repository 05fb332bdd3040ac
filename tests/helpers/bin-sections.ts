import { expect } from 'chai'

/**
 * Section id → bytes of one of snarkjs's binary containers (ptau, zkey, r1cs): magic, version,
 * section count, then id / size / data; the whole file must be sections.
 */
export function binSections(file: Uint8Array, magic: string): Map<number, Buffer> {
  const buf = Buffer.from(file)
  expect(buf.subarray(0, 4).toString()).to.equal(magic)
  const out = new Map<number, Buffer>()
  let at = 12
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const id = buf.readUInt32LE(at)
    const size = Number(buf.readBigUInt64LE(at + 4))
    out.set(id, buf.subarray(at + 12, at + 12 + size))
    at += 12 + size
  }
  expect(at).to.equal(buf.length)
  return out
}

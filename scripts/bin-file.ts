// snarkjs's binary container (ptau, zkey, r1cs): a 4-byte magic, version (u32), section count
// (u32), then each section as id (u32), size (u64) and its bytes; little-endian throughout.
import { closeSync, openSync, writeSync } from 'node:fs'

/** Section id → contents. @throws {Error} when the magic differs or the sections do not fill the file exactly. */
export function readBinSections(bytes: Uint8Array, magic: string): Map<number, Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 12 || buf.subarray(0, 4).toString() !== magic) throw new Error(`not a ${magic} file`)
  const out = new Map<number, Buffer>()
  let at = 12
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    if (at + 12 > buf.length) throw new Error(`${magic} file truncated in the header of section ${i}`)
    const id = buf.readUInt32LE(at)
    const size = Number(buf.readBigUInt64LE(at + 4))
    if (at + 12 + size > buf.length) throw new Error(`${magic} file truncated in section ${id}`)
    out.set(id, buf.subarray(at + 12, at + 12 + size))
    at += 12 + size
  }
  if (at !== buf.length) throw new Error(`${magic} file has ${buf.length - at} bytes after its last section`)
  return out
}

/** A container being written section by section (version 1); `close` whatever happens. */
export interface BinFileWriter {
  section(id: number, parts: readonly Uint8Array[]): void
  close(): void
}

export function openBinFile(path: string, magic: string, sectionCount: number): BinFileWriter {
  const file = openSync(path, 'w')
  const write = (bytes: Uint8Array): void => {
    let done = 0
    while (done < bytes.length) done += writeSync(file, bytes, done)
  }
  const top = new DataView(new ArrayBuffer(12))
  new Uint8Array(top.buffer).set(new TextEncoder().encode(magic))
  top.setUint32(4, 1, true)
  top.setUint32(8, sectionCount, true)
  write(new Uint8Array(top.buffer))
  return {
    section(id, parts) {
      const head = new DataView(new ArrayBuffer(12))
      head.setUint32(0, id, true)
      head.setBigUint64(4, BigInt(parts.reduce((sum, p) => sum + p.length, 0)), true)
      write(new Uint8Array(head.buffer))
      for (const p of parts) write(p)
    },
    close: () => closeSync(file),
  }
}

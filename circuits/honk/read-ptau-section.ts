// Reads sections of a snarkjs binary file (magic "ptau", version, section table) without loading
// the whole file: a power-20 ptau is over a gigabyte and the CRS needs only its first points.
import { closeSync, openSync, readSync } from 'node:fs'
import { CrsError } from './crs-error.js'

/** Where each section of a snarkjs binary file starts and how long it is. */
export function ptauSections(fd: number, path: string): Map<number, { offset: number; size: number }> {
  const head = Buffer.alloc(12)
  readSync(fd, head, 0, 12, 0)
  if (head.toString('latin1', 0, 4) !== 'ptau')
    throw new CrsError(`${path}: not a powers-of-tau file (magic "${head.toString('latin1', 0, 4)}")`)
  const count = head.readUInt32LE(8)
  const sections = new Map<number, { offset: number; size: number }>()
  let at = 12
  const entry = Buffer.alloc(12)
  for (let i = 0; i < count; i++) {
    if (readSync(fd, entry, 0, 12, at) !== 12) throw new CrsError(`${path}: section table ends early`)
    const id = entry.readUInt32LE(0)
    const size = Number(entry.readBigUInt64LE(4))
    sections.set(id, { offset: at + 12, size })
    at += 12 + size
  }
  return sections
}

/** `length` bytes from `start` of section `id` of the ptau at `path`. */
export function readPtauSection(path: string, id: number, start: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const section = ptauSections(fd, path).get(id)
    if (section === undefined) throw new CrsError(`${path}: no section ${id}`)
    if (start + length > section.size) throw new CrsError(`${path}: section ${id} holds ${section.size} bytes; ${start + length} needed`)
    const out = Buffer.alloc(length)
    if (readSync(fd, out, 0, length, section.offset + start) !== length) throw new CrsError(`${path}: section ${id} is truncated`)
    return out
  } finally {
    closeSync(fd)
  }
}

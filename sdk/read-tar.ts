import { AssayError } from '../core/index.js'

/** The archive is not a well-formed ustar file. */
export class TarFormatError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(message: string) {
    super(message)
    this.name = 'TarFormatError'
  }
}

/** Splits a ustar archive (as plaintext-archive writes it) into named files. */
export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  const text = (at: number, len: number): string => new TextDecoder().decode(bytes.subarray(at, at + len)).replace(/\0.*$/s, '')
  for (let at = 0; at + 512 <= bytes.length;) {
    if (bytes.subarray(at, at + 512).every((b) => b === 0)) return files
    if (text(at + 257, 5) !== 'ustar') throw new TarFormatError(`no ustar header at byte ${at}`)
    const name = [text(at + 345, 155), text(at, 100)].filter(Boolean).join('/')
    const size = parseInt(text(at + 124, 12).trim() || '0', 8)
    if (!Number.isFinite(size) || at + 512 + size > bytes.length) throw new TarFormatError(`${name}: size ${size} runs past the archive`)
    files.set(name, bytes.slice(at + 512, at + 512 + size))
    at += 512 + Math.ceil(size / 512) * 512
  }
  throw new TarFormatError('the archive has no end marker')
}

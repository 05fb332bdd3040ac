import type { Manifest } from '../core/index.js'
import { readTar } from './read-tar.js'
import { VerificationError } from './verification-error.js'
import { verifyPlaintext } from './verify-plaintext.js'

export interface OpenedArchive {
  /** Every file of the archive by name: series.json, batches.json, readings.ndjson, source/<name>. */
  files: Map<string, Uint8Array>
  /** The seller's file exactly as uploaded, when the archive has one. */
  source?: { name: string; bytes: Uint8Array }
  batches: number
  readings: number
}

/**
 * Checks a decrypted archive against its manifest and unpacks it: the bytes hash to the manifest's
 * plaintextSha256, and every batch commitment (so the root) is rebuilt from the readings and
 * salts inside. Browser-safe.
 *
 * @throws {VerificationError} naming the check that failed
 */
export async function openArchive(tar: Uint8Array, manifest: Manifest): Promise<OpenedArchive> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', tar as Uint8Array<ArrayBuffer>))
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
  if (hex !== manifest.content.plaintextSha256)
    throw new VerificationError('plaintext-hash', 'the decrypted archive does not hash to the manifest’s plaintextSha256')
  let files: Map<string, Uint8Array>
  try {
    files = readTar(tar)
  } catch (err) {
    throw new VerificationError('archive', (err as Error).message, { cause: err })
  }
  const text = (name: string): string => {
    const f = files.get(name)
    if (f === undefined) throw new VerificationError('archive', `the archive has no ${name}`)
    return new TextDecoder().decode(f)
  }
  const counts = await verifyPlaintext(
    {
      series: JSON.parse(text('series.json')) as never,
      batches: JSON.parse(text('batches.json')) as never,
      readings: text('readings.ndjson'),
    },
    manifest,
  )
  const sourceName = [...files.keys()].find((n) => n.startsWith('source/'))
  return {
    files,
    ...(sourceName !== undefined ? { source: { name: sourceName.slice('source/'.length), bytes: files.get(sourceName)! } } : {}),
    ...counts,
  }
}

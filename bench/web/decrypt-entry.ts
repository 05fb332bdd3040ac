// Browser side of bench:web's decryption measurement: the app's WebCrypto decryptor over an
// envelope fetched from the bench server, fed in 1 MiB pieces as the download path does.
import { concatBytes, decryptEnvelopeWeb } from '../../storage/index.js'

async function runDecryptBench(url: string, keyHex: string): Promise<{ bytes: number; seconds: number; sha256: string }> {
  const sealed = new Uint8Array(await (await fetch(url)).arrayBuffer())
  const key = Uint8Array.from(keyHex.match(/../g)!, (b) => parseInt(b, 16))
  const pieces = function* (): Generator<Uint8Array> {
    for (let at = 0; at < sealed.length; at += 1 << 20) yield sealed.subarray(at, Math.min(sealed.length, at + (1 << 20)))
  }
  const parts: Uint8Array[] = []
  let bytes = 0
  const started = performance.now()
  for await (const chunk of decryptEnvelopeWeb(pieces(), key)) {
    parts.push(chunk)
    bytes += chunk.length
  }
  const seconds = (performance.now() - started) / 1000
  const whole = concatBytes(parts)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', whole))
  return { bytes, seconds, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }
}

;(globalThis as { runDecryptBench?: typeof runDecryptBench }).runDecryptBench = runDecryptBench

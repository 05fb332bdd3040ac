import { checkArtifact, sha256Hex, type VerificationKey } from '../../circuits/index.js'
import { AssayApiError } from '../../sdk/index.js'

/**
 * A circuit's verification key from the node, accepted only if its sha256 is the one the committed
 * artifact manifest (compiled into this app) records: the node cannot swap in a key that accepts
 * forged proofs.
 */
export async function verificationKeyFromNode(node: string, circuitId: string): Promise<{ vkey: VerificationKey; vkeyHash: string }> {
  const res = await fetch(new URL(`/circuits/${encodeURIComponent(circuitId)}/vkey.json`, node))
  if (!res.ok) throw new AssayApiError(res.status, 'VerificationKeyUnavailable', `the node serves no verification key for ${circuitId}`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  await checkArtifact(circuitId, 'vkey', bytes, `${circuitId} verification key from the node`)
  return { vkey: JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey, vkeyHash: await sha256Hex(bytes) }
}

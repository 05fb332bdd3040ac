/**
 * What a finished ceremony rests on (`setup-record.json`, written by `assay setup finalize`): its
 * hashes, contributions and beacon. The record anchored on-chain (AnchoredSetupRecord) is built
 * from it when the ceremony's key is installed.
 */
export interface SetupRecord {
  format: 'assay-setup-record-v1'
  circuitId: string
  r1csSha256: string
  ptau: { ceremony: string; knownAs?: string; sha256: string; blake2b512: string; power: number }
  contributions: { name: string; contributionHash: string }[]
  beacon: { hash: string; iterationsExp: number; contributionHash: string }
  finalZkeySha256: string
  vkeySha256: string
  verifier: { file: string; sha256: string }
  createdAt: string
}

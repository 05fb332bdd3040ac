// A TypeScript port of bb's generated Solidity UltraHonk verifier (ZK flavour, keccak transcript,
// target evm), for the committed UltraHonk circuits: transcript, sumcheck over every Ultra
// relation, Shplemini, the pairing-point object and one pairing with our CRS's tau·G2.
// Browser-safe (bigint field arithmetic, ffjavascript's WebAssembly bn128); exported through circuits/index.ts.
export { UltraHonkVerifyError } from './ultrahonk-verify-error.js'
export { HONK_VK_BYTES, HONK_VK_COMMITMENTS, PAIRING_POINTS_SIZE, parseHonkVk } from './parse-honk-vk.js'
export type { HonkVerificationKey, HonkVkCommitment } from './parse-honk-vk.js'
export { BB_G2_BYTES, parseBbG2, ultraHonkKey } from './ultrahonk-key.js'
export type { UltraHonkKey } from './ultrahonk-key.js'
export type { G1Point, G2Point } from './g1-point.js'
export { HONK_VK_FORMAT, honkVkBytes, honkVkJson, loadHonkVk } from './honk-vk-json.js'
export type { HonkVkJson } from './honk-vk-json.js'
export { honkProofLayout, parseHonkProof } from './parse-honk-proof.js'
export type { HonkProof } from './parse-honk-proof.js'
export type { UltraHonkPublicInputs } from './prepare-ultrahonk.js'
export { verifyUltraHonk } from './verify-ultrahonk.js'
export type { VerifyUltraHonkOptions } from './verify-ultrahonk.js'
export { DEFAULT_ULTRAHONK_CHUNK_SIZE, verifyUltraHonkBatch } from './verify-ultrahonk-batch.js'
export type { UltraHonkBatchOptions, UltraHonkProofToVerify } from './verify-ultrahonk-batch.js'

// Node-only part of storage: streaming envelope encryption, ECIES key wrapping, the keystore,
// the embedded Helia node and the content store over it.
export { createEmbeddedHelia } from './create-embedded-helia.js'
export { createContentStore } from './content-store.js'
export { computeKeyCheck, encryptEnvelope } from './encrypt-envelope.js'
export type { EncryptOptions } from './encrypt-envelope.js'
export { decryptEnvelope } from './decrypt-envelope.js'
export { ECIES_VERSION, unwrapKey, wrapKey } from './wrap-key.js'
export type { WrapOptions } from './wrap-key.js'
export { createKeystore, loadMasterKey } from './keystore.js'
export { createVerifiedBlockstore } from './verified-blockstore.js'
export { readFileFromCar } from './car-file.js'
export { computePieceCid, createPieceHasher } from './piece-cid.js'
export type { PieceCid, PieceHasher } from './piece-cid.js'

// Storage: the embedded IPFS node (and, in later issues, the encryption envelope and content store).
export { createEmbeddedHelia } from './create-embedded-helia.js'
export type { EmbeddedHelia, EmbeddedHeliaOptions, HeliaNode } from './create-embedded-helia.js'

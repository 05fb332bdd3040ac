// Node-only part of storage: the embedded, on-disk Helia node.
export { createEmbeddedHelia } from './create-embedded-helia.js'

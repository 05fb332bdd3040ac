// Storage: browser-safe part (types now; the encryption envelope arrives with the storage issue).
// The embedded Helia node is Node-only and sits behind storage/node.ts.
export type { EmbeddedHelia, EmbeddedHeliaOptions, HeliaNode } from './create-embedded-helia.js'

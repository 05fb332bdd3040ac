// circomlibjs's EdDSA pulls in blake-hash, which uses Node's global Buffer when its module loads.
// Browsers have none: give it the standard polyfill before anything else is evaluated.
import { Buffer } from 'buffer'

const scope = globalThis as { Buffer?: unknown }
scope.Buffer ??= Buffer

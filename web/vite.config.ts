import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The node serves build/web at its HTTP port (see server/create-app.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    // circomlibjs imports Node's assert; the browser gets a four-line equivalent.
    alias: { assert: fileURLToPath(new URL('./src/assert-shim.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../build/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // snarkjs, ffjavascript and circomlibjs (proof checks, key commitments) are ~3.4 MB minified,
    // ~1 MB gzipped; pages load them only where needed.
    chunkSizeWarningLimit: 4000,
  },
  logLevel: 'warn',
})

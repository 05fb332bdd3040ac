import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The node serves build/web at its HTTP port (see server/create-app.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../build/web', import.meta.url)),
    sourcemap: true,
    emptyOutDir: true,
  },
  logLevel: 'warn',
})

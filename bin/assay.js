#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (no separate compile step).
import { register } from 'tsx/esm/api'

register()
await import('../cli/assay.ts')

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Path of a shared public dataset: `ASSAY_DATASETS_DIR` when set, else `../shared/datasets` beside
 * the checkout (where CI puts it). The files are never copied into the repository.
 */
export function datasetPath(name: string): string {
  const dir = process.env.ASSAY_DATASETS_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'datasets')
  const path = join(dir, name)
  if (!existsSync(path)) throw new Error(`dataset ${name} not found at ${path}; set ASSAY_DATASETS_DIR to the folder holding it`)
  return path
}

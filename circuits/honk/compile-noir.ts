import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CompiledCircuit } from '@noir-lang/noir_js'
import { NoirCompileError } from './noir-compile-error.js'

/** A compiled Noir program: ACIR bytecode (base64, gzipped) and its ABI, as noir_js executes it. */
export type NoirProgram = CompiledCircuit

/** The folder of a Noir project under circuits/noir (e.g. `sum-range`, `poseidon-check`). */
export function noirProject(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'noir', name)
}

/**
 * Compiles the Noir project (a folder with Nargo.toml; path dependencies are followed) with
 * noir_wasm, in process and offline.
 */
export async function compileNoir(projectDir: string): Promise<NoirProgram> {
  const { compile, createFileManager } = await import('@noir-lang/noir_wasm')
  const quiet = (): void => undefined
  try {
    const { program } = await compile(createFileManager(resolve(projectDir)), undefined, quiet, quiet)
    return program
  } catch (err) {
    throw new NoirCompileError(`${projectDir}: ${(err as Error).message}`, { cause: err })
  }
}

import { Noir, type InputMap } from '@noir-lang/noir_js'
import type { NoirProgram } from './compile-noir.js'
import { NoirWitnessError } from './noir-witness-error.js'

/** What executing a program gives: the solved witness (gzipped, as bb reads it) and the return value. */
export interface NoirExecution {
  witness: Uint8Array
  returnValue: unknown
}

/** Solves `program` for `inputs` with noir_js (ACVM in WebAssembly); inputs that break an assertion throw NoirWitnessError. */
export async function executeNoir(program: NoirProgram, inputs: InputMap): Promise<NoirExecution> {
  try {
    return await new Noir(program).execute(inputs)
  } catch (err) {
    throw new NoirWitnessError(`no witness: ${(err as Error).message}`, { cause: err })
  }
}

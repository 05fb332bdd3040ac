import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface CompileCircomOptions {
  /** Include folders searched before node_modules and the repo root (relative to the root). */
  libs?: string[]
  /** circom's output flags (default: r1cs, wasm and sym, optimised with --O2). */
  flags?: string[]
}

/**
 * circom2 on `main`, writing into `outDir`; both relative to the repository root, since circom2
 * runs in a WASI sandbox that sees only the working directory (no `../`). Resolves with circom's
 * output (warnings go to stderr); rejects when circom fails.
 */
export async function compileCircom(
  main: string,
  outDir: string,
  options: CompileCircomOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  await mkdir(join(root, outDir), { recursive: true })
  const libs = [...(options.libs ?? []), 'node_modules', '.'].flatMap((l) => ['-l', l])
  const flags = options.flags ?? ['--r1cs', '--wasm', '--sym', '--O2']
  const cli = join(root, 'node_modules', 'circom2', 'cli.js')
  return promisify(execFile)(process.execPath, [cli, main, ...flags, ...libs, '-o', outDir], { cwd: root, maxBuffer: 64 << 20 })
}

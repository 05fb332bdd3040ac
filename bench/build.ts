// Times `npm run build` stage by stage and prints a final JSON line.
//   npm run bench:build            warm: artifacts and the circuit cache as they are
//   npm run bench:build -- --cold  cold: a fresh, temporary circuit cache and no built circuits
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const cold = process.argv.includes('--cold')
const env = { ...process.env }
let tempCache: string | undefined
if (cold) {
  tempCache = mkdtempSync(join(tmpdir(), 'assay-bench-cache-'))
  env.ASSAY_CACHE_DIR = tempCache
  rmSync(join('build', 'circuits'), { recursive: true, force: true })
  rmSync(join('build', 'hardhat'), { recursive: true, force: true })
}

const stages: Record<string, number> = {}
let circuitsOutput = ''
const total = Date.now()
try {
  for (const stage of ['build:circuits', 'build:contracts', 'build:web']) {
    const t0 = Date.now()
    const out = execFileSync('npm', ['run', '--silent', stage], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    if (stage === 'build:circuits') circuitsOutput = out
    stages[stage] = Date.now() - t0
  }
} finally {
  if (tempCache !== undefined) rmSync(tempCache, { recursive: true, force: true })
}
const result = {
  bench: 'build',
  mode: cold ? 'cold' : 'warm',
  totalMs: Date.now() - total,
  stagesMs: stages,
  circuitsUpToDate: /up to date/.test(circuitsOutput) && !/compiling/.test(circuitsOutput),
}
console.log(JSON.stringify(result))

// Enforces the layering of docs/architecture.md: imports point down the layers, cross-folder imports go through the
// folder's public entry (index.ts, or node.ts for Node-only parts), so do imports between the
// subfolders of a grouped folder (pipelines/import/ → pipelines/publish/index.ts) and those
// subfolders form no cycle, browser-safe entries import nothing from `node:`, and no file-level
// import cycle exists. Exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Layer of each top-level folder; an import may only go to a strictly lower layer (or its own folder). */
export const LAYERS: Record<string, number> = {
  core: 0,
  circuits: 1,
  contracts: 1,
  storage: 1,
  pipelines: 2,
  // The HTTP contract (schemas of every route): browser-safe, shared by the server and the SDK.
  api: 2,
  server: 3,
  sdk: 3,
  cli: 4,
  web: 4,
  // Harnesses may use anything.
  tests: 9,
  bench: 9,
  scripts: 9,
}

const HARNESS_LAYER = 9
/**
 * Folders grouped into subfolders (docs/architecture.md): each subfolder is reached from a sibling
 * only through its own index.ts (or node.ts), and the subfolders import each other without a cycle.
 */
export const GROUPED_FOLDERS: ReadonlySet<string> = new Set(['pipelines'])
const PUBLIC_ENTRIES = new Set(['index.ts', 'node.ts'])
/** Extra public entries: the polyfill every entry point loads first. */
const EXTRA_ENTRIES = new Set(['core/polyfill.ts'])
/** Entries that must run in a browser (docs/architecture.md): nothing they reach may need Node. */
const BROWSER_ENTRIES = [
  'core/index.ts',
  'circuits/index.ts',
  'contracts/index.ts',
  'storage/index.ts',
  'api/index.ts',
  'sdk/index.ts',
  'web/src/main.ts',
  'web/src/verifier-worker.ts',
]
const NODE_ONLY_PACKAGES = /^(node:|blockstore-fs$|datastore-level$|ioredis$|bullmq$|express$|better-sqlite3$|sharp$|@foundry-rs\/)/
const SOURCE_EXT = new Set(['.ts', '.mts', '.cts', '.tsx'])
const SKIP_DIRS = new Set(['node_modules', 'build', 'data', 'generated-fixtures', 'dist', 'test-output'])

export interface Violation {
  file: string
  message: string
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) return []
    const p = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return SOURCE_EXT.has(extname(e.name)) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

export interface ImportRef {
  spec: string
  /** `import type` / `export type`: erased at runtime, so it never pulls code into a bundle. */
  typeOnly: boolean
}

/** Module specifiers imported by a source text (comments stripped first). */
export function importsOf(text: string): ImportRef[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1')
  const out: ImportRef[] = []
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4]
    if (spec !== undefined) out.push({ spec, typeOnly: /^\s*(?:import|export)\s+type\s/.test(m[0]) })
  }
  return out
}

/**
 * The module a file (relative to the root, `/`-separated) belongs to: its top-level folder, or
 * `folder/sub` inside a grouped folder; a grouped folder's own top-level files are `folder`.
 */
export function moduleOf(rel: string): string {
  const parts = rel.split(/[\\/]/)
  const top = parts[0] ?? ''
  return GROUPED_FOLDERS.has(top) && parts.length > 2 ? `${top}/${parts[1]}` : top
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec)
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ]
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c
    } catch {
      // try the next candidate
    }
  }
  return undefined
}

/** One relative import of a source file, resolved to the file it names. */
export interface ImportEdge {
  spec: string
  /** Absolute path of the imported file; undefined when it does not resolve. */
  target: string | undefined
  typeOnly: boolean
}

/** Every source file of the layered folders under `root` with its imports (relative ones resolved, bare ones as written). */
export interface ImportGraph {
  files: string[]
  relative: Map<string, ImportEdge[]>
  bare: Map<string, ImportRef[]>
}

/** Reads the imports of every source file in the folders of LAYERS under `root`. */
export function readImportGraph(root: string): ImportGraph {
  const files = Object.keys(LAYERS).flatMap((folder) => {
    try {
      return sourceFiles(join(root, folder))
    } catch {
      return []
    }
  })
  const relativeImports = new Map<string, ImportEdge[]>()
  const bare = new Map<string, ImportRef[]>()
  for (const file of files) {
    const refs = importsOf(readFileSync(file, 'utf8'))
    relativeImports.set(
      file,
      refs.filter((r) => r.spec.startsWith('.')).map((r) => ({ ...r, target: resolveRelative(file, r.spec) })),
    )
    bare.set(
      file,
      refs.filter((r) => !r.spec.startsWith('.')),
    )
  }
  return { files, relative: relativeImports, bare }
}

/** Checks every source file under `root`; returns the violations found. */
export function checkImports(root: string): Violation[] {
  const violations: Violation[] = []
  const graph = new Map<string, string[]>()
  const runtimeGraph = new Map<string, string[]>()
  const packages = new Map<string, string[]>()
  const moduleGraph = new Map<string, Set<string>>()
  const top = (file: string): string => relative(root, file).split(sep)[0] ?? ''
  const imports = readImportGraph(root)
  for (const file of imports.files) {
    const rel = relative(root, file)
    const from = top(file)
    const fromModule = moduleOf(rel)
    const edges: string[] = []
    const valueEdges: string[] = []
    for (const { spec, target, typeOnly } of imports.relative.get(file) ?? []) {
      if (target === undefined) {
        violations.push({ file: rel, message: `cannot resolve import '${spec}'` })
        continue
      }
      edges.push(target)
      if (!typeOnly) valueEdges.push(target)
      const to = top(target)
      const toModule = moduleOf(relative(root, target))
      if (to === from && toModule !== fromModule && toModule !== to) {
        // Between the subfolders of a grouped folder: through the subfolder's entry, and no cycle.
        if (fromModule !== from) moduleGraph.set(fromModule, (moduleGraph.get(fromModule) ?? new Set()).add(toModule))
        const targetRel = relative(join(root, toModule), target)
        if (!PUBLIC_ENTRIES.has(targetRel) && LAYERS[from]! < HARNESS_LAYER) {
          violations.push({ file: rel, message: `reaches into ${toModule}/${targetRel}; import ${toModule}/index.ts (or node.ts) instead` })
        }
      }
      // Harnesses (tests, bench, scripts) may import anything (docs/architecture.md); cycles still count.
      if (to === from || LAYERS[to] === undefined || LAYERS[from]! >= HARNESS_LAYER) continue
      const targetRel = relative(join(root, to), target)
      if (LAYERS[to] >= LAYERS[from]!) {
        violations.push({
          file: rel,
          message: `${from}/ (layer ${LAYERS[from]}) must not import ${to}/ (layer ${LAYERS[to]}): imports point down`,
        })
      }
      if (!PUBLIC_ENTRIES.has(targetRel) && !EXTRA_ENTRIES.has(`${to}/${targetRel}`)) {
        violations.push({ file: rel, message: `reaches into ${to}/${targetRel}; import ${to}/index.ts (or node.ts) instead` })
      }
    }
    graph.set(file, edges)
    runtimeGraph.set(file, valueEdges)
    packages.set(
      file,
      (imports.bare.get(file) ?? []).filter((r) => !r.typeOnly).map((r) => r.spec),
    )
  }
  for (const cycle of findCycles(new Map([...moduleGraph].map(([m, to]) => [m, [...to]])))) {
    violations.push({ file: `${cycle[0]!}/`, message: `subfolder cycle: ${cycle.map((m) => `${m}/`).join(' -> ')}` })
  }
  for (const entry of BROWSER_ENTRIES) {
    const start = join(root, entry)
    if (!graph.has(start)) continue
    const seen = new Set<string>([start])
    const queue = [start]
    while (queue.length > 0) {
      const f = queue.shift()!
      for (const spec of packages.get(f) ?? []) {
        if (NODE_ONLY_PACKAGES.test(spec)) {
          violations.push({
            file: relative(root, f),
            message: `imports Node-only '${spec}' but is reachable from browser entry ${entry}; move it behind a node.ts entry`,
          })
        }
      }
      for (const g of runtimeGraph.get(f) ?? []) {
        if (!seen.has(g)) {
          seen.add(g)
          queue.push(g)
        }
      }
    }
  }
  for (const cycle of findCycles(graph)) {
    violations.push({ file: relative(root, cycle[0]!), message: `import cycle: ${cycle.map((f) => relative(root, f)).join(' -> ')}` })
  }
  return violations
}

/** Strongly connected components with more than one file (or a self-import), via Tarjan. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const stack: string[] = []
  const onStack = new Set<string>()
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const cycles: string[][] = []
  const visit = (v: string): void => {
    idx.set(v, index)
    low.set(v, index)
    index += 1
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!))
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push([...scc.reverse(), scc[0]!])
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return cycles
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
  const violations = checkImports(root)
  for (const v of violations) console.error(`${v.file}: ${v.message}`)
  if (violations.length > 0) {
    console.error(`check-imports: ${violations.length} violation(s)`)
    process.exit(1)
  }
  console.log('check-imports: layers respected, no cycles')
}

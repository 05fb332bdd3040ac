// Prints the module dependency graph computed from the actual imports (check-imports' parser):
// one line per folder, layer by layer, naming every folder it imports; pipelines/ is shown with
// its subfolders. docs/architecture.md ("## Modules") holds this output, and a test keeps it equal.
import { relative, resolve, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GROUPED_FOLDERS, LAYERS, moduleOf, readImportGraph } from './check-imports.js'

const HARNESS_LAYER = 9
const ARROW = '──►'

/** For each module, the modules it imports and whether every import of each is type-only. */
export function moduleEdges(root: string): Map<string, Map<string, boolean>> {
  const graph = readImportGraph(root)
  const edges = new Map<string, Map<string, boolean>>()
  for (const file of graph.files) {
    const from = moduleOf(relative(root, file))
    const targets = edges.get(from) ?? new Map<string, boolean>()
    edges.set(from, targets)
    for (const { target, typeOnly } of graph.relative.get(file) ?? []) {
      if (target === undefined) continue
      const to = moduleOf(relative(root, target))
      if (to !== from) targets.set(to, (targets.get(to) ?? true) && typeOnly)
    }
  }
  return edges
}

const topOf = (module: string): string => module.split('/')[0]!
const layerOf = (module: string): number => LAYERS[topOf(module)] ?? HARNESS_LAYER

/** The graph as a text picture: layers from the top down, each module with what it imports (closest layer first). */
export function renderModuleGraph(root: string): string {
  const edges = moduleEdges(root)
  const modules = [...edges.keys()].filter((m) => layerOf(m) < HARNESS_LAYER)
  // Inside a grouped folder, a subfolder comes before those it imports (its depth: longest path down).
  const depth = new Map<string, number>()
  const depthOf = (m: string): number => {
    if (!depth.has(m)) {
      depth.set(m, 0)
      const below = [...(edges.get(m)?.keys() ?? [])].filter((t) => t !== topOf(t) && topOf(t) === topOf(m))
      depth.set(m, Math.max(0, ...below.map((t) => depthOf(t) + 1)))
    }
    return depth.get(m)!
  }
  const byLayer = (a: string, b: string): number => layerOf(b) - layerOf(a) || a.localeCompare(b)
  const name = (target: string, from: string): string =>
    target !== topOf(target) && topOf(target) === topOf(from) ? `${target.slice(topOf(target).length + 1)}/` : `${target}/`
  const rows: { layer: number; label: string; targets: string }[] = []
  for (const top of [...new Set(modules.map(topOf))].sort(byLayer)) {
    const subs = modules.filter((m) => m !== top && topOf(m) === top).sort((a, b) => depthOf(b) - depthOf(a) || a.localeCompare(b))
    for (const [i, m] of [top, ...subs].entries()) {
      if (!edges.has(m)) continue
      const targets = [...edges.get(m)!]
        .filter(([t]) => layerOf(t) < HARNESS_LAYER)
        .sort(([a], [b]) => Number(topOf(b) === top) - Number(topOf(a) === top) || byLayer(a, b))
        .map(([t, typeOnly]) => `${name(t, m)}${typeOnly ? ' (types)' : ''}`)
      const label = i === 0 ? `${m}/` : `${i === subs.length ? '└' : '├'} ${name(m, m)}`
      rows.push({ layer: layerOf(m), label, targets: targets.length > 0 ? targets.join('  ') : '(imports nothing of ours)' })
    }
  }
  const width = Math.max(...rows.map((r) => r.label.length)) + 2
  const lines: string[] = []
  let layer: number | undefined
  for (const r of rows) {
    const head = r.layer !== layer ? `layer ${r.layer}` : ''
    if (r.layer !== layer && layer !== undefined) lines.push('')
    layer = r.layer
    const arrow = r.targets.startsWith('(') ? '' : `${'─'.repeat(width - r.label.length - 1)}${ARROW} `
    lines.push(`${head.padEnd(9)}${r.label}${arrow === '' ? ' '.repeat(width - r.label.length) : ` ${arrow}`}${r.targets}`.trimEnd())
  }
  const harnesses = Object.keys(LAYERS).filter((f) => LAYERS[f]! >= HARNESS_LAYER)
  const grouped = [...GROUPED_FOLDERS].map((f) => `${f}/`).join(', ')
  lines.push(
    '',
    `(types): only type imports.  ${grouped} subfolders reach each other through their index.ts.`,
    `harnesses (may import anything): ${harnesses.map((h) => `${h}/`).join('  ')}`,
  )
  return `${lines.join('\n')}\n`
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(renderModuleGraph(resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))))
}

// Fails on a package-lock.json that `npm ci` may reject or that installs code unfit for our Node:
// - every entry names a `version` and where it comes from (`integrity` for registry packages, whose
//   `resolved` address these machines' npm leaves out; `resolved` for anything else; or `link`).
//   npm 11.19 rejects entries that hold only `{"optional": true}` with "Invalid Version:".
// - every package's `engines.node` admits the oldest Node the project supports (package.json's
//   `engines.node`), so nothing that needs Node 22 sneaks in under a Node 20 install.
// Exits 1 listing every problem.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import semver from 'semver'

export interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  inBundle?: boolean
  engines?: { node?: string } | string[]
}

export interface LockFile {
  lockfileVersion?: number
  packages?: Record<string, LockEntry>
}

/** Every problem in `lock` for a project that supports Node `nodeRange` (e.g. `>=20.19`). */
export function checkLock(lock: LockFile, nodeRange: string): string[] {
  const problems: string[] = []
  if (lock.lockfileVersion === undefined || lock.lockfileVersion < 2)
    problems.push(`lockfileVersion ${lock.lockfileVersion ?? 'missing'}: npm 7+ lock files (version 2 or 3) only`)
  const oldest = semver.minVersion(nodeRange)
  if (oldest === null) return [...problems, `package.json engines.node "${nodeRange}" is not a semver range`]
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '') continue // the project itself
    if (entry.link === true) {
      if (entry.resolved === undefined) problems.push(`${path}: a link without "resolved"`)
      continue
    }
    if (entry.version === undefined || semver.valid(entry.version) === null)
      problems.push(`${path}: no valid "version" (${JSON.stringify(entry)}); npm ci fails with "Invalid Version:"`)
    // Bundled dependencies come inside their parent's tarball: no source of their own.
    if (entry.inBundle !== true && entry.integrity === undefined && entry.resolved === undefined)
      problems.push(`${path}: neither "integrity" nor "resolved": npm cannot tell what to install`)
    const engines = entry.engines
    const node = Array.isArray(engines) ? undefined : engines?.node
    if (node !== undefined && !semver.satisfies(oldest, node))
      problems.push(
        `${path}@${entry.version ?? '?'}: needs Node ${node}, the project supports ${nodeRange} (pin an older version in "overrides")`,
      )
  }
  return problems
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as LockFile
  const problems = checkLock(lock, pkg.engines?.node ?? '*')
  for (const p of problems) console.error(p)
  if (problems.length > 0) {
    console.error(`check-lock: ${problems.length} problem(s) in package-lock.json`)
    process.exit(1)
  }
  console.log(
    `check-lock: ${Object.keys(lock.packages ?? {}).length - 1} entries, each with a version and a source, all fit Node ${pkg.engines?.node}`,
  )
}

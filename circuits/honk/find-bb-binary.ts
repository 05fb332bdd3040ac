import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, parse } from 'node:path'
import { BbNotFoundError } from './bb-not-found-error.js'

/** bb.js's folder for each platform it ships a native `bb` for. */
const PLATFORM_DIRS: Record<string, string> = {
  'x64-linux': 'amd64-linux',
  'arm64-linux': 'arm64-linux',
  'x64-darwin': 'amd64-macos',
  'arm64-darwin': 'arm64-macos',
}

export interface FindBbBinaryOptions {
  /** Where to resolve `@aztec/bb.js` from (default: this file, i.e. the project's node_modules). */
  from?: string
  /** Default `process.platform`-`process.arch`. */
  platform?: string
}

/**
 * The native Barretenberg `bb` that `@aztec/bb.js` carries in `build/<platform>/bb`, resolved from
 * the installed package at run time (never a fixed path).
 */
export function findBbBinary(options: FindBbBinaryOptions = {}): string {
  const platform = options.platform ?? `${process.arch}-${process.platform}`
  const dir = PLATFORM_DIRS[platform]
  if (dir === undefined) throw new BbNotFoundError(`@aztec/bb.js ships no native bb for ${platform}`)
  let entry: string
  try {
    entry = createRequire(options.from ?? import.meta.url).resolve('@aztec/bb.js')
  } catch (err) {
    throw new BbNotFoundError('@aztec/bb.js is not installed (npm ci)', { cause: err })
  }
  // Its exports hide package.json: climb from the entry to the folder that holds build/.
  for (let at = dirname(entry); at !== parse(at).root; at = dirname(at)) {
    if (existsSync(join(at, 'package.json')) && existsSync(join(at, 'build'))) {
      const bb = join(at, 'build', dir, 'bb')
      if (!existsSync(bb)) throw new BbNotFoundError(`no native bb at ${bb}`)
      return bb
    }
  }
  throw new BbNotFoundError(`no build/ folder above ${entry}`)
}

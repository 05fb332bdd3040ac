import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AssayConfig } from '../core/index.js'

/** Where a node keeps its operator token: readable by its owner only. */
export function operatorTokenPath(dataDir: string): string {
  return join(dataDir, 'operator.token')
}

/**
 * The operator token a node accepts: ASSAY_TOKEN when set, else `<dataDir>/operator.token`,
 * created on first start (32 random bytes, base64url, mode 0600).
 */
export async function ensureOperatorToken(config: Pick<AssayConfig, 'dataDir' | 'operatorToken'>): Promise<string> {
  if (config.operatorToken !== undefined) return config.operatorToken
  const existing = await readOperatorToken(config)
  if (existing !== undefined) return existing
  const path = operatorTokenPath(config.dataDir)
  await mkdir(config.dataDir, { recursive: true })
  const token = randomBytes(32).toString('base64url')
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readOperatorToken(config))!
    throw err
  }
  await chmod(path, 0o600)
  return token
}

/** The operator token the CLI sends: ASSAY_TOKEN, else the node's file in the data directory, else none. */
export async function readOperatorToken(config: Pick<AssayConfig, 'dataDir' | 'operatorToken'>): Promise<string | undefined> {
  if (config.operatorToken !== undefined) return config.operatorToken
  try {
    const token = (await readFile(operatorTokenPath(config.dataDir), 'utf8')).trim()
    return token === '' ? undefined : token
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

/** One key-release decision. */
export interface AuditEntry {
  outcome: 'released' | 'refused'
  /** The refusal's error name, or `released`. */
  reason: string
  datasetId?: string
  buyer?: string
  nonce?: string
  remote?: string
}

/** Append-only JSON lines, written before the response is sent (nothing is ever rewritten). */
export interface AuditLog {
  append(entry: AuditEntry): void
}

export interface AuditLogOptions {
  now?: () => Date
  /** The file rotates when it reaches this size (default 64 MiB): `path` → `path.1` → … */
  maxBytes?: number
  /** Rotated files kept (default 8); the oldest goes. */
  keep?: number
}

/**
 * The key-release audit log: JSON lines, appended before each answer. It rotates by size so a
 * flood of refused requests cannot fill the disk: at most (keep + 1) · maxBytes is kept.
 */
export function openAuditLog(path: string, options: AuditLogOptions = {}): AuditLog {
  const now = options.now ?? ((): Date => new Date())
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  const keep = options.keep ?? 8
  mkdirSync(dirname(path), { recursive: true })
  let size = existsSync(path) ? statSync(path).size : 0
  const rotate = (): void => {
    rmSync(`${path}.${keep}`, { force: true })
    for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
    renameSync(path, `${path}.1`)
    size = 0
  }
  return {
    append(entry) {
      const line = Buffer.from(`${JSON.stringify({ time: now().toISOString(), ...entry })}\n`)
      // Bytes, not characters: a buyer address or reason may hold non-ASCII text.
      if (size > 0 && size + line.length > maxBytes) rotate()
      appendFileSync(path, line, { flag: 'a' })
      size += line.length
    },
  }
}

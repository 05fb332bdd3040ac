import { appendFileSync, mkdirSync } from 'node:fs'
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

export function openAuditLog(path: string, now: () => Date = () => new Date()): AuditLog {
  mkdirSync(dirname(path), { recursive: true })
  return {
    append(entry) {
      appendFileSync(path, `${JSON.stringify({ time: now().toISOString(), ...entry })}\n`, { flag: 'a' })
    },
  }
}

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * A block cursor kept in a small JSON file, written atomically (temp file, rename), so a crash
 * leaves the old value or the new one. A missing or unreadable file reads as no cursor: the
 * watcher then starts from the deployment block again, which queues nothing twice.
 */
export function createFileCursor(path: string): { read(): number | undefined; write(block: number): void } {
  let cached: number | undefined
  let loaded = false
  return {
    read() {
      if (!loaded) {
        loaded = true
        try {
          const value = (JSON.parse(readFileSync(path, 'utf8')) as { block?: unknown }).block
          cached = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
        } catch {
          cached = undefined
        }
      }
      return cached
    },
    write(block) {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(`${path}.tmp`, JSON.stringify({ block }))
      renameSync(`${path}.tmp`, path)
      cached = block
      loaded = true
    },
  }
}

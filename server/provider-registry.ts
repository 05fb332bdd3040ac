import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/**
 * Which other nodes or gateways hold a dataset, by its manifest CID: the sources this node
 * mirrored it from. Content-addressed, so it holds whatever chain the catalog follows; kept apart
 * from the catalog, which is derived state and may be rebuilt from the chain (this is not).
 */
export interface ProviderRegistry {
  /** Records that `url` served the whole dataset of `manifestCid` (the most recent first in `of`). */
  add(manifestCid: string, url: string): void
  /** The providers recorded for a manifest, most recently seen first. */
  of(manifestCid: string): string[]
  close(): void
}

/** Providers kept per dataset: a mirror's sources are the operator's, but the list stays short. */
const MAX_PER_DATASET = 16

/** Opens (creating if needed) the registry at `path` (`:memory:` for tests). */
export function openProviderRegistry(path: string, now: () => number = Date.now): ProviderRegistry {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS providers (manifest_cid TEXT NOT NULL, url TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (manifest_cid, url))',
  )
  const upsert = db.prepare(
    'INSERT INTO providers (manifest_cid, url, seen_at) VALUES (?, ?, ?) ON CONFLICT (manifest_cid, url) DO UPDATE SET seen_at = excluded.seen_at',
  )
  const list = db.prepare<[string], { url: string }>('SELECT url FROM providers WHERE manifest_cid = ? ORDER BY seen_at DESC, rowid DESC')
  const trim = db.prepare(
    'DELETE FROM providers WHERE manifest_cid = ? AND url NOT IN (SELECT url FROM providers WHERE manifest_cid = ? ORDER BY seen_at DESC, rowid DESC LIMIT ?)',
  )
  return {
    add: (manifestCid, url) =>
      db.transaction(() => {
        upsert.run(manifestCid, url, now())
        trim.run(manifestCid, manifestCid, MAX_PER_DATASET)
      })(),
    of: (manifestCid) => list.all(manifestCid).map((r) => r.url),
    close: () => db.close(),
  }
}

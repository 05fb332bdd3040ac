import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** Remembers which (buyer, nonce) pairs were honoured, across restarts, so no request is replayed. */
export interface NonceStore {
  /**
   * Records the nonce; false when this buyer already used it. Forgets expired nonces now and then
   * (at most once per `pruneEveryS`), so the store holds only requests that could still be replayed.
   */
  use(buyer: string, nonce: string, expiry: number): boolean
  /** Nonces held. */
  size(): number
  /** Forgets nonces whose requests expired before `now` (they are refused as expired anyway). */
  prune(now: number): number
  close(): void
}

export interface NonceStoreOptions {
  /** How often `use` forgets expired nonces, in seconds (default 60). */
  pruneEveryS?: number
  /** Unix seconds now (tests move it). */
  now?: () => number
}

export function openNonceStore(path: string, options: NonceStoreOptions = {}): NonceStore {
  const now = options.now ?? ((): number => Math.floor(Date.now() / 1000))
  const every = options.pruneEveryS ?? 60
  let pruned = now()
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS nonces (buyer TEXT NOT NULL, nonce TEXT NOT NULL, expiry INTEGER NOT NULL, PRIMARY KEY (buyer, nonce))',
  )
  db.exec('CREATE INDEX IF NOT EXISTS nonces_expiry ON nonces (expiry)')
  const insert = db.prepare('INSERT OR IGNORE INTO nonces (buyer, nonce, expiry) VALUES (?, ?, ?)')
  const prune = db.prepare('DELETE FROM nonces WHERE expiry < ?')
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM nonces')
  return {
    use: (buyer, nonce, expiry) => {
      const t = now()
      if (t - pruned >= every) {
        prune.run(t)
        pruned = t
      }
      return insert.run(buyer.toLowerCase(), nonce.toLowerCase(), expiry).changes === 1
    },
    size: () => count.get()!.n,
    prune: (t) => prune.run(t).changes,
    close: () => db.close(),
  }
}

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** Remembers which (buyer, nonce) pairs were honoured, across restarts, so no request is replayed. */
export interface NonceStore {
  /** Records the nonce; false when this buyer already used it. */
  use(buyer: string, nonce: string, expiry: number): boolean
  /** Forgets nonces whose requests expired before `now` (they are refused as expired anyway). */
  prune(now: number): number
  close(): void
}

export function openNonceStore(path: string): NonceStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS nonces (buyer TEXT NOT NULL, nonce TEXT NOT NULL, expiry INTEGER NOT NULL, PRIMARY KEY (buyer, nonce))',
  )
  const insert = db.prepare('INSERT OR IGNORE INTO nonces (buyer, nonce, expiry) VALUES (?, ?, ?)')
  const prune = db.prepare('DELETE FROM nonces WHERE expiry < ?')
  return {
    use: (buyer, nonce, expiry) => insert.run(buyer.toLowerCase(), nonce.toLowerCase(), expiry).changes === 1,
    prune: (now) => prune.run(now).changes,
    close: () => db.close(),
  }
}

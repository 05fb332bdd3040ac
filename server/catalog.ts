import Database from 'better-sqlite3'
import { datasetCids, type Manifest } from '../core/index.js'

/** A dataset as the catalog knows it: the anchor, its manifest's searchable parts, its listing. */
/** The node's verdict on a dataset's proofs (see CatalogEntry.verification). */
export type VerificationStatus = 'pending' | 'verified' | 'flawed' | 'failed'

export interface CatalogEntry {
  datasetId: string
  owner: string
  manifestCid: string
  root: string
  parent: string | null
  circuit: number
  /** Anchored quality score, 0–100. */
  qualityScore: number
  publishedAt: number
  block: number
  txHash: string
  /** `ok`, or why the manifest could not be read yet (the indexer retries). */
  manifestStatus: 'ok' | 'unavailable' | 'invalid'
  title: string
  description: string
  licence: string
  tags: string[]
  metrics: string[]
  units: string[]
  firstTime: number | null
  lastTime: number | null
  rows: number
  readings: number
  deviceCount: number
  previewCid: string | null
  /** The card's thumbnail (one series), absent from manifests written before thumbnails. */
  thumbnailCid: string | null
  listing: { price: string; paymentToken: string; accessPeriod: number; active: boolean } | null
  purchases: number
  /**
   * The node's own check of the proof bundle against the anchored root and the manifest's devices.
   * `flawed`: the proofs verify, but were made with a retired circuit that has a known soundness
   * flaw (the detail says which), so they may state what the data does not hold. `setupWarning`:
   * the proofs verify under a development setup, so anyone could have made them.
   */
  verification: { status: VerificationStatus; detail: string | null; setupWarning: string | null }
}

export interface CatalogQuery {
  /** Full-text words over title, description, tags and metrics (all must match; prefixes count). */
  q?: string
  metric?: string
  unit?: string
  minQuality?: number
  maxQuality?: number
  /** Price bounds in the token's smallest unit (wei). Only listed datasets match a price bound. */
  minPrice?: bigint
  maxPrice?: bigint
  /** Datasets whose readings overlap [from, to] (unix seconds). */
  from?: number
  to?: number
  minDevices?: number
  maxDevices?: number
  owner?: string
  listed?: boolean
  sort?: 'newest' | 'quality' | 'price'
  limit?: number
  offset?: number
}

export interface CatalogPage {
  total: number
  items: CatalogEntry[]
}

/** What the indexer records when a dataset is anchored. */
export interface AnchoredDataset {
  datasetId: bigint
  owner: string
  manifestCid: string
  root: bigint
  keyCommitment: bigint
  parent: bigint
  circuit: number
  qualityScore: number
  publishedAt: number
  block: number
  txHash: string
}

/** The derived, rebuildable catalog in SQLite (FTS5 for search). */
export interface Catalog {
  /** Chain position the catalog reflects (the last fully indexed block), or undefined before the first sync. */
  cursor(): number | undefined
  /** Identity of the chain and registry the catalog was built from; a mismatch means rebuild. */
  origin(): string | undefined
  setOrigin(origin: string): void
  /** Applies one block range's changes and moves the cursor, atomically. */
  transaction(fn: () => void, cursor: number): void
  anchor(d: AnchoredDataset): void
  setManifest(datasetId: bigint, manifest: Manifest): void
  setManifestStatus(datasetId: bigint, status: 'unavailable' | 'invalid'): void
  /** Datasets whose manifest still has to be read. */
  pendingManifests(): Array<{ datasetId: bigint; manifestCid: string; owner: string; root: bigint; keyCommitment: bigint }>
  setQuality(datasetId: bigint, score: number): void
  setVerification(datasetId: bigint, status: Exclude<VerificationStatus, 'pending'>, detail: string | null, setupWarning?: string): void
  /** Datasets with a manifest whose proofs the node has not checked yet. */
  pendingVerifications(): Array<{ datasetId: bigint; root: bigint; circuit: number; manifest: Manifest }>
  list(datasetId: bigint, listing: { price: bigint; paymentToken: string; accessPeriod: number }): void
  setPrice(datasetId: bigint, price: bigint): void
  delist(datasetId: bigint): void
  purchased(datasetId: bigint): void
  get(datasetId: bigint): (CatalogEntry & { manifest: Manifest | null }) | undefined
  search(query: CatalogQuery): CatalogPage
  /** Whether `cid` is a catalogued dataset's manifest or something its manifest names. */
  references(cid: string): boolean
  /** Changes whenever anything in the catalog changes (for caches and ETags). */
  version(): number
  /** Drops everything (a new chain or registry). */
  clear(): void
  close(): void
}

/**
 * Bumped whenever SCHEMA changes, or what a stored verdict means does: 3 rebuilt every catalog when
 * the verifier learnt circuit v2's checks and the `flawed` status, so no dataset keeps a `verified`
 * it would no longer get; 4 when verdicts learnt their circuit's setup (a development one's warning);
 * 5 when the key must be the one of the setup record anchored with the dataset's verifier slot; 6
 * for the thumbnail column (manifests read again, so datasets published with a thumbnail show it).
 */
const SCHEMA_VERSION = 6
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  manifest_cid TEXT NOT NULL,
  root TEXT NOT NULL,
  key_commitment TEXT NOT NULL,
  parent TEXT,
  circuit INTEGER NOT NULL,
  quality REAL NOT NULL,
  published_at INTEGER NOT NULL,
  block INTEGER NOT NULL,
  tx_hash TEXT NOT NULL,
  manifest_status TEXT NOT NULL DEFAULT 'unavailable',
  manifest TEXT,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  licence TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  metrics TEXT NOT NULL DEFAULT '[]',
  units TEXT NOT NULL DEFAULT '[]',
  first_time INTEGER,
  last_time INTEGER,
  rows INTEGER NOT NULL DEFAULT 0,
  readings INTEGER NOT NULL DEFAULT 0,
  device_count INTEGER NOT NULL DEFAULT 0,
  preview_cid TEXT,
  thumbnail_cid TEXT,
  price TEXT,
  payment_token TEXT,
  access_period INTEGER,
  listed INTEGER NOT NULL DEFAULT 0,
  purchases INTEGER NOT NULL DEFAULT 0,
  verification TEXT NOT NULL DEFAULT 'pending',
  verification_detail TEXT,
  verification_setup_warning TEXT
);
CREATE INDEX IF NOT EXISTS datasets_owner ON datasets(owner);
CREATE INDEX IF NOT EXISTS datasets_quality ON datasets(quality);
CREATE INDEX IF NOT EXISTS datasets_price ON datasets(listed, price);
CREATE TABLE IF NOT EXISTS dataset_metrics (dataset_id INTEGER NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dataset_metrics_metric ON dataset_metrics(metric, dataset_id);
CREATE TABLE IF NOT EXISTS dataset_cids (dataset_id INTEGER NOT NULL, cid TEXT NOT NULL, PRIMARY KEY (cid, dataset_id));
CREATE VIRTUAL TABLE IF NOT EXISTS datasets_fts USING fts5(title, description, tags, metrics, tokenize = 'unicode61 remove_diacritics 2');
`

/** Every column but the manifest JSON (lists and searches never need it). */
const LIST_COLUMNS = [
  'id',
  'owner',
  'manifest_cid',
  'root',
  'parent',
  'circuit',
  'quality',
  'published_at',
  'block',
  'tx_hash',
  'manifest_status',
  'title',
  'description',
  'licence',
  'tags',
  'metrics',
  'units',
  'first_time',
  'last_time',
  'rows',
  'readings',
  'device_count',
  'preview_cid',
  'thumbnail_cid',
  'price',
  'payment_token',
  'access_period',
  'listed',
  'purchases',
  'verification',
  'verification_detail',
  'verification_setup_warning',
]
  .map((c) => `d.${c}`)
  .join(', ')

/** Prices compare as text: zero-padded to the 78 digits a uint256 can have. */
const padPrice = (p: bigint): string => p.toString().padStart(78, '0')

/** Turns free text into an FTS5 query: each word a quoted prefix term, all required. No FTS syntax gets through. */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu)?.slice(0, 16) ?? []
  return words.length === 0 ? undefined : words.map((w) => `"${w}"*`).join(' AND ')
}

interface Row {
  id: number
  owner: string
  manifest_cid: string
  root: string
  parent: string | null
  circuit: number
  quality: number
  published_at: number
  block: number
  tx_hash: string
  manifest_status: CatalogEntry['manifestStatus']
  manifest?: string | null
  title: string
  description: string
  licence: string
  tags: string
  metrics: string
  units: string
  first_time: number | null
  last_time: number | null
  rows: number
  readings: number
  device_count: number
  preview_cid: string | null
  thumbnail_cid: string | null
  price: string | null
  payment_token: string | null
  access_period: number | null
  listed: number
  purchases: number
  verification: CatalogEntry['verification']['status']
  verification_detail: string | null
  verification_setup_warning: string | null
}

function toEntry(r: Row): CatalogEntry {
  return {
    datasetId: String(r.id),
    owner: r.owner,
    manifestCid: r.manifest_cid,
    root: r.root,
    parent: r.parent,
    circuit: r.circuit,
    qualityScore: r.quality,
    publishedAt: r.published_at,
    block: r.block,
    txHash: r.tx_hash,
    manifestStatus: r.manifest_status,
    title: r.title,
    description: r.description,
    licence: r.licence,
    tags: JSON.parse(r.tags) as string[],
    metrics: JSON.parse(r.metrics) as string[],
    units: JSON.parse(r.units) as string[],
    firstTime: r.first_time,
    lastTime: r.last_time,
    rows: r.rows,
    readings: r.readings,
    deviceCount: r.device_count,
    previewCid: r.preview_cid,
    thumbnailCid: r.thumbnail_cid,
    listing:
      r.price === null
        ? null
        : { price: BigInt(r.price).toString(), paymentToken: r.payment_token!, accessPeriod: r.access_period!, active: r.listed === 1 },
    purchases: r.purchases,
    verification: { status: r.verification, detail: r.verification_detail, setupWarning: r.verification_setup_warning },
  }
}

/** Opens (creating if needed) the catalog database at `path` (`:memory:` for tests). */
export function openCatalog(path: string): Catalog {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  // The catalog is derived state: a database of another layout is dropped and rebuilt from the chain.
  if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
    db.exec(
      'DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS datasets; DROP TABLE IF EXISTS dataset_metrics; DROP TABLE IF EXISTS datasets_fts; DROP TABLE IF EXISTS dataset_cids;',
    )
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }
  db.exec(SCHEMA)
  const meta = (key: string): string | undefined =>
    (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
  const insertAnchor =
    db.prepare(`INSERT INTO datasets (id, owner, manifest_cid, root, key_commitment, parent, circuit, quality, published_at, block, tx_hash)
    VALUES (@id, @owner, @manifestCid, @root, @keyCommitment, @parent, @circuit, @quality, @publishedAt, @block, @txHash)
    ON CONFLICT(id) DO NOTHING`)
  const updateManifest = db.prepare(`UPDATE datasets SET manifest_status = 'ok', manifest = @manifest, title = @title,
    description = @description, licence = @licence, tags = @tags, metrics = @metrics, units = @units, first_time = @firstTime,
    last_time = @lastTime, rows = @rows, readings = @readings, device_count = @deviceCount, preview_cid = @previewCid,
    thumbnail_cid = @thumbnailCid WHERE id = @id`)
  const byId = db.prepare('SELECT * FROM datasets WHERE id = ?')
  // Searches build their SQL from the filters present: prepare each shape once.
  const statements = new Map<string, Database.Statement>()
  const statement = (sql: string): Database.Statement => {
    let st = statements.get(sql)
    if (st === undefined) statements.set(sql, (st = db.prepare(sql)))
    return st
  }
  // Pages are cached until the next write (the catalog changes only when the indexer applies a block
  // range), so a busy list or search costs a map lookup.
  const pages = new Map<string, CatalogPage>()
  let version = 0
  const changed = (): void => {
    version++
    pages.clear()
  }

  return {
    cursor: () => {
      const v = meta('cursor')
      return v === undefined ? undefined : Number(v)
    },
    origin: () => meta('origin'),
    setOrigin: (origin) => {
      changed()
      setMeta.run('origin', origin)
    },
    transaction(fn, cursor) {
      db.transaction(() => {
        fn()
        setMeta.run('cursor', String(cursor))
      })()
    },
    anchor(d) {
      changed()
      insertAnchor.run({
        id: Number(d.datasetId),
        owner: d.owner.toLowerCase(),
        manifestCid: d.manifestCid,
        root: d.root.toString(),
        keyCommitment: d.keyCommitment.toString(),
        parent: d.parent === 0n ? null : d.parent.toString(),
        circuit: d.circuit,
        quality: d.qualityScore,
        publishedAt: d.publishedAt,
        block: d.block,
        txHash: d.txHash,
      })
    },
    setManifest(datasetId, m) {
      changed()
      const id = Number(datasetId)
      const metrics = [...new Set(m.series.map((s) => s.metric))]
      const units = [...new Set(m.series.map((s) => s.unit))]
      db.transaction(() => {
        updateManifest.run({
          id,
          manifest: JSON.stringify(m),
          title: m.title,
          description: m.description,
          licence: m.licence,
          tags: JSON.stringify(m.tags),
          metrics: JSON.stringify(metrics),
          units: JSON.stringify(units),
          firstTime: Math.min(...m.series.map((s) => s.firstTime)),
          lastTime: Math.max(...m.series.map((s) => s.lastTime)),
          rows: m.content.rows,
          readings: m.series.reduce((n, s) => n + s.count, 0),
          deviceCount: m.devices.length,
          previewCid: m.previewCid ?? null,
          thumbnailCid: m.thumbnailCid ?? null,
        })
        statement('DELETE FROM dataset_metrics WHERE dataset_id = ?').run(id)
        const addMetric = statement('INSERT INTO dataset_metrics (dataset_id, metric, unit) VALUES (?, ?, ?)')
        for (const s of m.series) addMetric.run(id, s.metric, s.unit)
        // The content a dataset is made of, by the manifest's own fields: what the gateway serves.
        statement('DELETE FROM dataset_cids WHERE dataset_id = ?').run(id)
        const addCid = statement('INSERT OR IGNORE INTO dataset_cids (dataset_id, cid) VALUES (?, ?)')
        for (const cid of datasetCids(m)) addCid.run(id, cid)
        statement('DELETE FROM datasets_fts WHERE rowid = ?').run(id)
        statement('INSERT INTO datasets_fts (rowid, title, description, tags, metrics) VALUES (?, ?, ?, ?, ?)').run(
          id,
          m.title,
          m.description,
          m.tags.join(' '),
          metrics.map((x) => x.replace(/_/g, ' ')).join(' '),
        )
      })()
    },
    setManifestStatus(datasetId, status) {
      changed()
      statement("UPDATE datasets SET manifest_status = ? WHERE id = ? AND manifest_status != 'ok'").run(status, Number(datasetId))
    },
    pendingManifests() {
      const rows = db
        .prepare("SELECT id, manifest_cid, owner, root, key_commitment FROM datasets WHERE manifest_status = 'unavailable' ORDER BY id")
        .all() as Array<Pick<Row, 'id' | 'manifest_cid' | 'owner' | 'root'> & { key_commitment: string }>
      return rows.map((r) => ({
        datasetId: BigInt(r.id),
        manifestCid: r.manifest_cid,
        owner: r.owner,
        root: BigInt(r.root),
        keyCommitment: BigInt(r.key_commitment),
      }))
    },
    setVerification(datasetId, status, detail, setupWarning) {
      changed()
      statement('UPDATE datasets SET verification = ?, verification_detail = ?, verification_setup_warning = ? WHERE id = ?').run(
        status,
        detail,
        setupWarning ?? null,
        Number(datasetId),
      )
    },
    pendingVerifications() {
      const rows = db
        .prepare("SELECT id, root, circuit, manifest FROM datasets WHERE manifest_status = 'ok' AND verification = 'pending' ORDER BY id")
        .all() as Array<{ id: number; root: string; circuit: number; manifest: string }>
      return rows.map((r) => ({
        datasetId: BigInt(r.id),
        root: BigInt(r.root),
        circuit: r.circuit,
        manifest: JSON.parse(r.manifest) as Manifest,
      }))
    },
    setQuality(datasetId, score) {
      changed()
      statement('UPDATE datasets SET quality = ? WHERE id = ?').run(score, Number(datasetId))
    },
    list(datasetId, l) {
      changed()
      statement('UPDATE datasets SET price = ?, payment_token = ?, access_period = ?, listed = 1 WHERE id = ?').run(
        padPrice(l.price),
        l.paymentToken.toLowerCase(),
        l.accessPeriod,
        Number(datasetId),
      )
    },
    setPrice(datasetId, price) {
      changed()
      statement('UPDATE datasets SET price = ? WHERE id = ?').run(padPrice(price), Number(datasetId))
    },
    delist(datasetId) {
      changed()
      statement('UPDATE datasets SET listed = 0 WHERE id = ?').run(Number(datasetId))
    },
    purchased(datasetId) {
      changed()
      statement('UPDATE datasets SET purchases = purchases + 1 WHERE id = ?').run(Number(datasetId))
    },
    get(datasetId) {
      if (datasetId < 1n || datasetId > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
      const r = byId.get(Number(datasetId)) as Row | undefined
      return r === undefined ? undefined : { ...toEntry(r), manifest: r.manifest == null ? null : (JSON.parse(r.manifest) as Manifest) }
    },
    search(q) {
      const cacheKey = JSON.stringify(q, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
      const cached = pages.get(cacheKey)
      if (cached !== undefined) return cached
      const where: string[] = []
      const params: unknown[] = []
      const fts = q.q !== undefined ? ftsQuery(q.q) : undefined
      if (fts !== undefined) {
        where.push('d.id IN (SELECT rowid FROM datasets_fts WHERE datasets_fts MATCH ?)')
        params.push(fts)
      }
      if (q.metric !== undefined) {
        where.push('EXISTS (SELECT 1 FROM dataset_metrics m WHERE m.dataset_id = d.id AND m.metric = ?)')
        params.push(q.metric)
      }
      if (q.unit !== undefined) {
        where.push('EXISTS (SELECT 1 FROM dataset_metrics m WHERE m.dataset_id = d.id AND m.unit = ?)')
        params.push(q.unit)
      }
      const bound = (sql: string, v: unknown): void => {
        if (v === undefined) return
        where.push(sql)
        params.push(v)
      }
      bound('d.quality >= ?', q.minQuality)
      bound('d.quality <= ?', q.maxQuality)
      if (q.minPrice !== undefined || q.maxPrice !== undefined) where.push('d.listed = 1')
      bound('d.price >= ?', q.minPrice !== undefined ? padPrice(q.minPrice) : undefined)
      bound('d.price <= ?', q.maxPrice !== undefined ? padPrice(q.maxPrice) : undefined)
      bound('d.last_time >= ?', q.from)
      bound('d.first_time <= ?', q.to)
      bound('d.device_count >= ?', q.minDevices)
      bound('d.device_count <= ?', q.maxDevices)
      bound('d.owner = ?', q.owner?.toLowerCase())
      if (q.listed !== undefined) where.push(q.listed ? 'd.listed = 1' : 'd.listed = 0')
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
      const order = { newest: 'd.id DESC', quality: 'd.quality DESC, d.id DESC', price: 'd.price IS NULL, d.price ASC, d.id DESC' }[
        q.sort ?? 'newest'
      ]
      const total = (statement(`SELECT count(*) AS n FROM datasets d ${clause}`).get(...params) as { n: number }).n
      const rows = statement(`SELECT ${LIST_COLUMNS} FROM datasets d ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(
        ...params,
        q.limit ?? 20,
        q.offset ?? 0,
      ) as Row[]
      const page = { total, items: rows.map(toEntry) }
      if (pages.size >= 1_000) pages.clear()
      pages.set(cacheKey, page)
      return page
    },
    clear() {
      changed()
      db.exec('DELETE FROM datasets; DELETE FROM dataset_metrics; DELETE FROM datasets_fts; DELETE FROM dataset_cids; DELETE FROM meta;')
    },
    references(cid) {
      return (
        statement('SELECT 1 FROM datasets WHERE manifest_cid = ? UNION ALL SELECT 1 FROM dataset_cids WHERE cid = ? LIMIT 1').get(
          cid,
          cid,
        ) !== undefined
      )
    },
    version: () => version,
    close: () => db.close(),
  }
}

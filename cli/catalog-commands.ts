import { formatEther, ZeroAddress } from 'ethers'
import { ConfigError } from '../core/index.js'
import { createAssayClient, type DatasetPage } from '../sdk/index.js'

type Io = { out: (s: string) => void }
const defaultIo: Io = { out: (s) => console.log(s) }

const day = (t: number | null): string => (t === null ? '?' : new Date(t * 1000).toISOString().slice(0, 10))
const price = (l: DatasetPage['listing']): string =>
  l === null || !l.active ? 'not for sale' : `${formatEther(l.price)} ${l.paymentToken === ZeroAddress ? 'ETH' : `of ${l.paymentToken}`}`

export interface ListOptions {
  node: string
  query?: string
  metric?: string
  minQuality?: string
  maxPrice?: string
  limit?: string
  json?: boolean
}

/** `assay list`: search the node's catalog. */
export async function listCommand(o: ListOptions, io: Io = defaultIo): Promise<unknown> {
  const minQuality = o.minQuality !== undefined ? Number(o.minQuality) : undefined
  if (minQuality !== undefined && !(minQuality >= 0 && minQuality <= 100)) throw new ConfigError('--min-quality', 'must be 0 to 100')
  const result = await createAssayClient({ node: o.node }).search({
    q: o.query,
    metric: o.metric,
    minQuality,
    limit: o.limit ?? '20',
  })
  if (o.json === true) io.out(JSON.stringify(result))
  else {
    io.out(`${result.total} dataset(s)`)
    for (const d of result.items)
      io.out(
        `#${d.datasetId}  ${d.title}  [${d.metrics.join(', ')}]  ${d.readings} readings ${day(d.firstTime)}…${day(d.lastTime)}  quality ${d.qualityScore}  ${price(d.listing)}  proofs ${d.verification.status}`,
      )
  }
  return result
}

/** `assay show ID`: one dataset's page. */
export async function showCommand(id: string, o: { node: string; json?: boolean }, io: Io = defaultIo): Promise<DatasetPage> {
  if (!/^[1-9]\d*$/.test(id)) throw new ConfigError('ID', 'must be a dataset id')
  const d = await createAssayClient({ node: o.node }).get(id)
  if (o.json === true) {
    io.out(JSON.stringify(d))
    return d
  }
  io.out(`#${d.datasetId} ${d.title}  (owner ${d.owner}, manifest ${d.manifestCid})`)
  io.out(
    `  ${d.readings} readings from ${d.deviceCount} device(s), ${day(d.firstTime)} to ${day(d.lastTime)}; quality ${d.qualityScore}; ${price(d.listing)}`,
  )
  io.out(`  proofs: ${d.verification.status}${d.verification.detail !== null ? ` — ${d.verification.detail}` : ''}`)
  for (const [i, st] of (d.manifest?.stats ?? []).entries()) {
    const s = d.manifest!.series[i]!
    io.out(
      `  ${s.metric} (${s.unit}): n=${st.count} mean=${st.mean.toFixed(3)} sd=${Math.sqrt(st.variance).toFixed(3)} min=${st.min} max=${st.max} in-range=${(100 * st.inRangeShare).toFixed(1)}% max gap=${st.maxGap}s`,
    )
  }
  return d
}

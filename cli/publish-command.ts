import { openAsBlob } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseUnits } from 'ethers'
import { AssayError, ConfigError, parseImportMapping } from '../core/index.js'
import type { PublicationStatus } from '../pipelines/index.js'

export interface PublishCommandOptions {
  node: string
  map?: string
  title: string
  description?: string
  licence?: string
  tags?: string
  /** In whole units of the payment token (ether for the native coin). */
  price?: string
  token?: string
  decimals?: number
  /** 7d, 24h, 30m, or seconds; omitted: perpetual. */
  period?: string
  json?: boolean
}

/** The node refused or failed the publication. */
export class PublishCommandError extends AssayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PublishCommandError'
  }
}

/** Seconds in a duration like `7d`, `24h`, `30m`, `45s` or plain seconds. */
export function parseDuration(text: string): bigint {
  const m = /^(\d+)\s*([dhms]?)$/.exec(text.trim())
  if (m === null) throw new ConfigError('--period', `"${text}" is not a duration (e.g. 7d, 24h, 3600)`)
  const unit = { d: 86_400n, h: 3_600n, m: 60n, s: 1n, '': 1n }[m[2] as 'd' | 'h' | 'm' | 's' | '']
  return BigInt(m[1]!) * unit
}

/**
 * `assay publish FILE`: uploads the file to a running node (`assay node`), then follows the
 * publication's progress events, one line per stage, until it is listed. `--json` prints
 * {datasetId, manifestCid, root, txHash, stats, quality} at the end.
 */
export async function publishCommand(
  file: string,
  options: PublishCommandOptions,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<PublicationStatus['result']> {
  const form = new FormData()
  form.append('title', options.title)
  if (options.description !== undefined) form.append('description', options.description)
  if (options.licence !== undefined) form.append('licence', options.licence)
  if (options.tags !== undefined) form.append('tags', options.tags)
  if (options.map !== undefined) {
    const text = await readFile(options.map, 'utf8')
    parseImportMapping(JSON.parse(text)) // a bad mapping fails here, before the upload
    form.append('mapping', text)
  }
  if (options.price !== undefined) {
    let units: bigint
    try {
      units = parseUnits(options.price, options.decimals ?? 18)
    } catch (err) {
      throw new ConfigError('--price', `"${options.price}" is not an amount`, { cause: err })
    }
    form.append('price', units.toString())
    if (options.token !== undefined) form.append('paymentToken', options.token)
    if (options.period !== undefined) form.append('accessPeriod', parseDuration(options.period).toString())
  }
  form.append('file', await openAsBlob(file), basename(file))

  let res: globalThis.Response
  try {
    res = await fetch(new URL('/datasets', options.node), { method: 'POST', body: form })
  } catch (err) {
    throw new PublishCommandError(`cannot reach the node at ${options.node} (is \`assay node\` running?)`, { cause: err })
  }
  const body = (await res.json()) as { jobId?: string; events?: string; error?: { name: string; message: string } }
  if (!res.ok || body.jobId === undefined)
    throw new PublishCommandError(`${body.error?.name ?? res.status}: ${body.error?.message ?? 'upload refused'}`)
  io.err(`publication ${body.jobId} accepted; following its progress`)
  return followPublication(options.node, body.jobId, options, io)
}

/**
 * `assay retry JOB`: submits a failed publication again (`POST /jobs/:id/retry`); it goes on from
 * where it stopped (proofs, stored content and any anchor are kept) and is followed like a new one.
 */
export async function retryCommand(
  jobId: string,
  options: { node: string; json?: boolean },
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<PublicationStatus['result']> {
  let res: globalThis.Response
  try {
    res = await fetch(new URL(`/jobs/${encodeURIComponent(jobId)}/retry`, options.node), { method: 'POST' })
  } catch (err) {
    throw new PublishCommandError(`cannot reach the node at ${options.node} (is \`assay node\` running?)`, { cause: err })
  }
  const body = (await res.json()) as { jobId?: string; error?: { name: string; message: string } }
  if (!res.ok || body.jobId === undefined)
    throw new PublishCommandError(`${body.error?.name ?? res.status}: ${body.error?.message ?? 'retry refused'}`)
  io.err(`publication ${body.jobId} submitted again; following its progress`)
  return followPublication(options.node, body.jobId, options, io)
}

/** Follows a publication's progress events, one line per change, until it is listed or fails. */
async function followPublication(
  node: string,
  jobId: string,
  options: { json?: boolean },
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<PublicationStatus['result']> {
  const events = await fetch(new URL(`/jobs/${encodeURIComponent(jobId)}/events`, node))
  let last = ''
  let final: PublicationStatus | undefined
  let kind = ''
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    let at: number
    while ((at = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, at)
      buffered = buffered.slice(at + 2)
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? ''
      const data = /^data: (.*)$/m.exec(frame)?.[1]
      if (data === undefined) continue
      const status = JSON.parse(data) as PublicationStatus
      const line = describe(status)
      if (line !== last) io.err((last = line))
      if (event === 'done' || event === 'failed') {
        final = status
        kind = event
      }
    }
  }
  if (final === undefined || kind === 'failed')
    throw new PublishCommandError(
      `publication ${jobId} failed: ${final?.failedReason ?? 'the progress stream ended early'}` +
        (final?.retryable === false ? '' : ` (once the cause is fixed: assay retry ${jobId})`),
    )
  if (options.json === true) io.out(JSON.stringify(final.result))
  else
    io.out(
      `dataset ${final.result!.datasetId} published: manifest ${final.result!.manifestCid}, quality ${final.result!.quality}, tx ${final.result!.txHash}`,
    )
  return final.result
}

function describe(status: PublicationStatus): string {
  const mark: Record<string, string> = { completed: '✓', active: '…', failed: '✗', 'waiting-children': '…' }
  return Object.entries(status.stages)
    .map(([stage, state]) => {
      const extra = stage === 'prove' && status.proofs.total > 0 ? ` ${status.proofs.done}/${status.proofs.total}` : ''
      return `${stage}${mark[state] ?? '·'}${extra}`
    })
    .join('  ')
}

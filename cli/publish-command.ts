import { openAsBlob } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseUnits } from 'ethers'
import { ConfigError, parseImportMapping } from '../core/index.js'
import { createAssayClient, type PublicationStatus, type PublishFields } from '../sdk/index.js'
import { followProgress } from './follow-progress.js'

export interface PublishCommandOptions {
  node: string
  /** The node operator's token (`<dataDir>/operator.token` or ASSAY_TOKEN): publishing is the operator's. */
  operatorToken?: string | undefined
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
  /** groth16 or honk; omitted: the node's default (ASSAY_PROVER). */
  prover?: string
  json?: boolean
  /** How long to wait for a node that went away while following before giving up (default 10 minutes). */
  giveUpAfterMs?: number
}

/** Seconds in a duration like `7d`, `24h`, `30m`, `45s` or plain seconds; `option` names it in errors. */
export function parseDuration(text: string, option = '--period'): bigint {
  const m = /^(\d+)\s*([dhms]?)$/.exec(text.trim())
  if (m === null) throw new ConfigError(option, `"${text}" is not a duration (e.g. 7d, 24h, 3600)`)
  const unit = { d: 86_400n, h: 3_600n, m: 60n, s: 1n, '': 1n }[m[2] as 'd' | 'h' | 'm' | 's' | '']
  return BigInt(m[1]!) * unit
}

/**
 * `assay publish FILE`: uploads the file to a running node (`assay node`), then follows the
 * publication's progress events, one line per stage, until it is listed, through restarts of the
 * node (see followProgress). `--json` prints {datasetId, manifestCid, root, txHash, stats, quality}
 * at the end.
 */
export async function publishCommand(
  file: string,
  options: PublishCommandOptions,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<PublicationStatus['result']> {
  const fields: PublishFields = { title: options.title }
  if (options.description !== undefined) fields.description = options.description
  if (options.licence !== undefined) fields.licence = options.licence
  if (options.tags !== undefined) fields.tags = options.tags
  if (options.prover !== undefined) {
    if (options.prover !== 'groth16' && options.prover !== 'honk')
      throw new ConfigError('--prover', `"${options.prover}" is not a prover: groth16 or honk`)
    fields.prover = options.prover
  }
  if (options.map !== undefined) {
    const text = await readFile(options.map, 'utf8')
    parseImportMapping(JSON.parse(text)) // a bad mapping fails here, before the upload
    fields.mapping = text
  }
  if (options.price !== undefined) {
    try {
      fields.price = parseUnits(options.price, options.decimals ?? 18)
    } catch (err) {
      throw new ConfigError('--price', `"${options.price}" is not an amount`, { cause: err })
    }
    if (options.token !== undefined) fields.paymentToken = options.token
    if (options.period !== undefined) fields.accessPeriod = parseDuration(options.period)
  }
  const client = createAssayClient({ node: options.node, operatorToken: options.operatorToken })
  const { jobId } = await client.publish(await openAsBlob(file), fields, { fileName: basename(file) })
  io.err(`publication ${jobId} accepted; following its progress`)
  return (await followProgress(options.node, jobId, options, io)).result
}

/**
 * `assay retry JOB`: submits a failed publication again (`POST /jobs/:id/retry`); it goes on from
 * where it stopped (proofs, stored content and any anchor are kept) and is followed like a new one.
 */
export async function retryCommand(
  jobId: string,
  options: { node: string; operatorToken?: string | undefined; json?: boolean; giveUpAfterMs?: number },
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<PublicationStatus['result']> {
  const retried = await createAssayClient({ node: options.node, operatorToken: options.operatorToken }).retryPublication(jobId)
  io.err(`publication ${retried.jobId} submitted again; following its progress`)
  return (await followProgress(options.node, retried.jobId, options, io)).result
}

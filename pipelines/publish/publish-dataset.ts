import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ProofSystem } from '../../circuits/index.js'
import type { ImportMapping, Manifest } from '../../core/index.js'
import type { ImportOptions, QualityReport } from '../import/index.js'
import { createLocalProver, type BatchProver } from './create-local-prover.js'
import type { ProvenBatchFile } from './proven-batch-file.js'
import { PublishError } from './publish-error.js'
import { PUBLISH_STAGES, type PublishStage } from './publish-stages.js'
import { Publication, type Anchored, type PublicationComponents } from './publication.js'

export interface PublishProgress {
  stage: PublishStage
  done: number
  total: number
}

export interface PublishComponents extends PublicationComponents {
  /** Where publication workspaces go (default: a temporary folder). */
  workDir?: string
  prove?: BatchProver
}

export interface PublishRequest {
  file: string
  /** Needed unless the file is a signed-batch file. */
  mapping?: ImportMapping
  title: string
  description?: string
  licence: string
  tags?: string[]
  listing?: { price: bigint; paymentToken?: string; accessPeriod?: bigint; splits?: { account: string; bps: number }[] }
  parent?: { datasetId: bigint; manifestCid: string }
  circuitId?: string
  /** groth16 (default) or ultrahonk: the circuit's Noir port, proved with native bb. */
  proofSystem?: ProofSystem
  import?: ImportOptions
  createdAt?: string
}

export interface PublishResult {
  datasetId: bigint
  manifestCid: string
  manifest: Manifest
  root: bigint
  txHash: string
  quality: QualityReport
  /** True when the manifest was already anchored (a retry) and nothing new was sent. */
  alreadyAnchored: boolean
  /** The publication's workspace (resume with runPublication). */
  workspace: string
}

/**
 * Publishes a seller's file in this process: every stage of PUBLISH_STAGES in order (ingest →
 * prove → store → quality → preview → anchor → list), each saved in the publication's workspace.
 * The first failure stops everything after it (`PublishError` naming the stage); running the
 * workspace again resumes where it stopped, and never anchors twice.
 */
export async function publishDataset(
  components: PublishComponents,
  request: PublishRequest,
  onProgress: (p: PublishProgress) => void = () => undefined,
): Promise<PublishResult> {
  const workDir = components.workDir ?? (await mkdtemp(join(tmpdir(), 'assay-publication-')))
  const publication = await Publication.create(join(workDir, `pub-${Date.now().toString(36)}`), request.file, {
    title: request.title,
    description: request.description ?? '',
    licence: request.licence,
    tags: request.tags ?? [],
    ...(request.mapping !== undefined ? { mapping: request.mapping } : {}),
    ...(request.listing !== undefined
      ? {
          listing: {
            price: request.listing.price.toString(),
            ...(request.listing.paymentToken !== undefined ? { paymentToken: request.listing.paymentToken } : {}),
            ...(request.listing.accessPeriod !== undefined ? { accessPeriod: request.listing.accessPeriod.toString() } : {}),
            ...(request.listing.splits !== undefined ? { splits: request.listing.splits } : {}),
          },
        }
      : {}),
    ...(request.parent !== undefined
      ? { parent: { datasetId: request.parent.datasetId.toString(), manifestCid: request.parent.manifestCid } }
      : {}),
    ...(request.circuitId !== undefined ? { circuitId: request.circuitId } : {}),
    ...(request.proofSystem !== undefined ? { proofSystem: request.proofSystem } : {}),
    ...(request.import !== undefined ? { import: request.import } : {}),
    ...(request.createdAt !== undefined ? { createdAt: request.createdAt } : {}),
  })
  return runPublication(components, publication, onProgress)
}

/**
 * Runs (or resumes) every stage of a publication workspace in this process, in the declared order
 * (PUBLISH_STAGES); each declared stage has its step here (a missing one does not compile).
 */
export async function runPublication(
  components: PublishComponents,
  publication: Publication,
  onProgress: (p: PublishProgress) => void = () => undefined,
): Promise<PublishResult> {
  let stage: PublishStage = PUBLISH_STAGES[0]
  const step = (s: PublishStage, done: number, total: number): void => {
    stage = s
    onProgress({ stage: s, done, total })
  }
  // Each step's result, read by the steps after it.
  let plan!: Awaited<ReturnType<Publication['ingest']>>
  let proofs!: ProvenBatchFile[]
  let quality!: Awaited<ReturnType<Publication['quality']>>
  let anchored!: Anchored
  /** A stage that is one piece of work: 0 of 1, then 1 of 1. */
  const whole = (s: PublishStage, run: () => Promise<unknown>) => async (): Promise<void> => {
    step(s, 0, 1)
    await run()
    step(s, 1, 1)
  }
  const steps = {
    ingest: whole('ingest', async () => {
      plan = await publication.ingest(components)
    }),
    prove: async () => {
      step('prove', 0, plan.batches.length)
      const prove = components.prove ?? createLocalProver()
      for (let i = 0; i < plan.batches.length; i++) {
        await publication.proveBatch(plan, i, prove)
        step('prove', i + 1, plan.batches.length)
      }
      ;({ proofs } = await publication.proofs(plan))
    },
    store: whole('store', () => publication.store(components, plan, proofs)),
    quality: whole('quality', async () => {
      quality = await publication.quality(components, plan, proofs)
    }),
    preview: whole('preview', () => publication.preview(components, plan)),
    anchor: whole('anchor', async () => {
      anchored = await publication.anchor(components, plan, proofs)
    }),
    list: whole('list', () => publication.list(components, anchored)),
  } satisfies Record<PublishStage, () => Promise<void>>
  try {
    for (const name of PUBLISH_STAGES) await steps[name]()
    return {
      datasetId: anchored.datasetId,
      manifestCid: anchored.manifestCid,
      manifest: await publication.manifest(components),
      root: anchored.root,
      txHash: anchored.txHash,
      quality: quality.report,
      alreadyAnchored: anchored.alreadyAnchored,
      workspace: publication.dir,
    }
  } catch (err) {
    throw err instanceof PublishError ? err : new PublishError(stage, { cause: err })
  }
}

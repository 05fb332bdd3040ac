/** One stage of a publication: its name, what it does, and the stage whose saved results it starts from. */
export interface PublishStageDeclaration {
  readonly name: string
  /** What the stage does, in a line. */
  readonly does: string
  /** The stage it depends on (the BullMQ flow makes that stage its child); null for the first. */
  readonly after: string | null
}

/**
 * The stages of a publication, declared once: the BullMQ flow (`submitPublication`), the
 * in-process path (`runPublication`) and the status (`publicationStatus`) all read this list, and
 * docs/publishing.md lists the same stages in the same order (a test checks it).
 */
export const PUBLISH_STAGE_DECLARATIONS = [
  { name: 'ingest', does: 'imports the file (or checks its signed batches), then plans and signs the batches', after: null },
  { name: 'prove', does: 'proves every batch (in the flow: one child job per batch on the proof queue)', after: 'ingest' },
  { name: 'store', does: 'encrypts the plaintext archive into IPFS with a fresh data key and stores the proof bundle', after: 'prove' },
  { name: 'quality', does: 'scores the quality, with validity and gaps taken from the proofs', after: 'store' },
  { name: 'preview', does: "renders a PNG of every series' min–max envelope and the card's thumbnail of one", after: 'quality' },
  { name: 'anchor', does: 'stores the manifest and anchors it on-chain (DatasetRegistry.publish), once', after: 'preview' },
  { name: 'list', does: 'attaches a stream window to its stream, then lists the dataset for sale when a price was given', after: 'anchor' },
] as const satisfies readonly PublishStageDeclaration[]

/** The name of one stage of a publication. */
export type PublishStage = (typeof PUBLISH_STAGE_DECLARATIONS)[number]['name']

/** The names of a tuple of declarations, as a tuple. */
type NamesOf<T extends readonly PublishStageDeclaration[]> = { readonly [I in keyof T]: T[I] extends { name: infer N } ? N : never }

/** The stages' names in the order they run. */
export const PUBLISH_STAGES = PUBLISH_STAGE_DECLARATIONS.map((s) => s.name) as unknown as NamesOf<typeof PUBLISH_STAGE_DECLARATIONS>

/** The declaration of a stage. */
export function publishStageDeclaration(stage: PublishStage): (typeof PUBLISH_STAGE_DECLARATIONS)[number] {
  return PUBLISH_STAGE_DECLARATIONS.find((s) => s.name === stage)!
}

/** The stage no other stage depends on: the last to run, and the root of the BullMQ flow. */
export const FINAL_PUBLISH_STAGE: PublishStage = PUBLISH_STAGE_DECLARATIONS.find(
  (s) => !PUBLISH_STAGE_DECLARATIONS.some((other) => other.after === s.name),
)!.name

import { parseEther } from 'ethers'
import { followPublication, NodeUnreachableError, type PublicationStatus } from '../../../sdk/index.js'
import { errorAlert, notice, spinner } from '../components.js'
import { field, h, mount, progressBar } from '../dom.js'
import { formatBytes, shortHex } from '../format.js'
import { href, type Page } from '../router.js'
import { mappingEditor, parsedRowsTable, type MappingPreview } from './mapping-editor.js'
import { withOperator } from './operator-sign-in.js'

/** The node reads at most this much of the file for the mapping preview (server MAPPING_PREVIEW_BYTES). */
const PREVIEW_BYTES = 1024 * 1024
const STAGE_LABELS: Record<string, string> = {
  ingest: 'Read and batch the readings',
  prove: 'Prove the statistics (zero knowledge)',
  store: 'Encrypt and store in IPFS',
  quality: 'Score quality',
  preview: 'Render the preview chart',
  anchor: 'Anchor on-chain',
  list: 'List for sale',
}

/** The file's head, cut at its last line end, so the preview never sees half a row. */
async function headOf(file: File): Promise<Blob> {
  if (file.size <= PREVIEW_BYTES) return file
  const bytes = new Uint8Array(await file.slice(0, PREVIEW_BYTES).arrayBuffer())
  const end = bytes.lastIndexOf(0x0a)
  return file.slice(0, end > 0 ? end + 1 : PREVIEW_BYTES)
}

/** Sell: upload, check and edit the inferred mapping on parsed rows, set the listing, publish, follow it live (the operator's). */
export const sellPage: Page = (root, ctx, route, signal) => withOperator(root, ctx, signal, () => void sellForm(root, ctx, route, signal))

const sellForm: Page = (root, ctx, _route, signal) => {
  const fileInput = h('input', { type: 'file', accept: '.csv,.tsv,.txt,.ndjson,.jsonl', required: true, 'data-testid': 'file' })
  const mappingArea = h('div', { 'aria-live': 'polite' })
  const title = h('input', { required: true, maxlength: 200, 'data-testid': 'title' })
  const description = h('textarea', { rows: 3, maxlength: 10_000 })
  const tags = h('input', { placeholder: 'indoor, office' })
  const licence = h('input', { value: 'CC-BY-4.0' })
  const price = h('input', { inputmode: 'decimal', value: '0.01', 'data-testid': 'price' })
  const period = h('input', { type: 'number', min: 0, step: 1, value: 30, 'data-testid': 'period' })
  // Empty: the node's default (ASSAY_PROVER). The trade-offs are in docs/publishing.md.
  const prover = h(
    'select',
    { 'data-testid': 'prover' },
    ...[
      ['', 'Node default'],
      ['groth16', 'Groth16 (small proofs, fast to verify)'],
      ['honk', 'UltraHonk (faster proving, larger proofs)'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  )
  const progress = h('section', { 'aria-live': 'polite', 'data-testid': 'publish-progress' })
  const formError = h('div')
  let editor: ReturnType<typeof mappingEditor> | undefined
  let preview: MappingPreview | undefined

  const showPreview = async (withMapping: boolean): Promise<void> => {
    const file = fileInput.files?.[0]
    if (file === undefined) return
    mount(mappingArea, spinner('Reading the first rows…'))
    try {
      preview = await ctx.client.previewMapping(await headOf(file), {
        fileName: file.name,
        ...(withMapping && editor !== undefined ? { mapping: editor.read() } : {}),
        signal,
      })
    } catch (err) {
      preview = undefined
      editor = undefined
      return mount(mappingArea, errorAlert(err))
    }
    if (title.value === '') title.value = file.name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ')
    if (preview.kind === 'signed-batches') {
      editor = undefined
      return mount(mappingArea, notice('info', preview.notes.join(' ')))
    }
    const current = editor !== undefined && withMapping ? editor : mappingEditor(preview)
    editor = current
    mount(
      mappingArea,
      h('h3', null, 'How the file is read'),
      preview.notes.length > 0 ? h('ul', { class: 'notes' }, ...preview.notes.map((n) => h('li', null, n))) : null,
      current.el,
      h('button', { type: 'button', 'data-testid': 'update-preview', onClick: () => void showPreview(true) }, 'Update preview'),
      preview.problems.length > 0
        ? notice(
            'warning',
            h('strong', null, 'Rows the mapping cannot read: '),
            h('ul', null, ...preview.problems.map((p) => h('li', null, `line ${p.line}, ${p.column}: ${p.message}`))),
          )
        : null,
      parsedRowsTable(preview),
    )
  }
  fileInput.addEventListener('change', () => {
    editor = undefined
    void showPreview(false)
  })

  const follow = (jobId: string): void => {
    const bar = progressBar('Proving progress')
    const stages = h('ol', { class: 'stages' })
    const connection = h('div')
    const outcome = h('div')
    mount(progress, h('h2', null, 'Publishing'), stages, bar.el, connection, outcome)
    const render = (status: PublicationStatus): void => {
      // Stages come in order; a failure spreads to every later stage, which never ran.
      let failedBefore = false
      mount(
        stages,
        ...Object.entries(status.stages).map(([stage, state]) => {
          const shown = state === 'failed' && failedBefore ? 'not run' : state
          failedBefore ||= state === 'failed'
          return h(
            'li',
            { class: `stage ${shown === 'not run' ? 'skipped' : state}`, 'data-stage': stage },
            h('span', { class: 'stage-state', 'aria-hidden': 'true' }),
            `${STAGE_LABELS[stage] ?? stage}`,
            h('small', null, ` — ${shown}`),
            // A fresh node builds its circuits in the background: say what proving waits for.
            stage === 'prove' && status.waiting !== undefined ? h('small', { class: 'stage-waiting' }, ` (${status.waiting})`) : null,
          )
        }),
      )
      bar.set(status.proofs.done, status.proofs.total, `${status.proofs.done} / ${status.proofs.total} batch proofs`)
    }
    const failed = (status: PublicationStatus): void => {
      const alert = errorAlert(Object.assign(new Error(status.failedReason ?? 'the publication failed'), { name: 'Publication failed' }))
      if (status.retryable === false) return mount(outcome, alert)
      const retry = h('button', { type: 'button', 'data-testid': 'retry' }, 'Retry publication')
      retry.addEventListener('click', () => {
        retry.disabled = true
        ctx.client
          .retryPublication(status.id, { signal })
          .then((accepted) => follow(accepted.jobId))
          .catch((err: unknown) => {
            retry.disabled = false
            mount(retryError, errorAlert(err))
          })
      })
      const retryError = h('div')
      mount(
        outcome,
        alert,
        h('p', null, 'Fix the cause, then retry: it goes on from where it stopped, keeping its proofs and stored data. ', retry),
        retryError,
      )
    }
    const done = (result: NonNullable<PublicationStatus['result']>): void => {
      const id = result.datasetId
      mount(outcome, spinner(`Anchored as dataset #${id} (tx ${shortHex(result.txHash)}); waiting for the catalog…`))
      // Asked through the newest page of the catalog, not GET /datasets/:id, whose 404s until then
      // would each be an error in the browser's console.
      const listed = async (): Promise<boolean> =>
        (await ctx.client.search({ sort: 'newest', limit: 100 })).items.some((item) => item.datasetId === id)
      const wait = async (): Promise<void> => {
        for (let i = 0; i < 150 && !signal.aborted; i++) {
          try {
            if (!(await listed())) throw new Error('not in the catalog yet')
            return mount(
              outcome,
              notice(
                'success',
                h('strong', null, 'Published. '),
                `Dataset #${id} is listed. `,
                h('a', { href: href(`datasets/${id}`), 'data-testid': 'listing-link' }, 'View the listing'),
              ),
            )
          } catch {
            await new Promise((r) => setTimeout(r, 400))
          }
        }
      }
      void wait()
    }
    // Through the node's restarts: the flow goes on in the node; only the view of it waits for it.
    followPublication(ctx.client, jobId, {
      signal,
      onEvent: render,
      onLost: () => mount(connection, notice('warning', 'Lost the connection to the node; waiting for it to come back…')),
      onBack: () => connection.replaceChildren(),
    }).then(
      (status) => {
        if (signal.aborted) return
        if (status.result !== undefined) done(status.result)
        else failed(status)
      },
      (err: unknown) => {
        if (signal.aborted) return
        connection.replaceChildren()
        mount(
          outcome,
          errorAlert(
            NodeUnreachableError.is(err)
              ? new Error('lost the connection to the node while publishing; reload to see the job’s state')
              : err,
          ),
        )
      },
    )
  }

  const publish = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    formError.replaceChildren()
    const file = fileInput.files?.[0]
    if (file === undefined) return mount(formError, errorAlert(new Error('Choose a file to publish.')))
    let priceWei: bigint
    try {
      priceWei = parseEther(price.value.trim() || '0')
    } catch {
      return mount(formError, h('p', { role: 'alert', class: 'field-error' }, 'Price: enter an amount in ETH, e.g. 0.01'))
    }
    const submit = (e.submitter as HTMLButtonElement | null) ?? undefined
    if (submit !== undefined) submit.disabled = true
    const uploaded = progressBar('Upload progress')
    mount(progress, h('h2', null, 'Uploading'), uploaded.el)
    try {
      const { jobId } = await ctx.client.publish(
        file,
        {
          title: title.value.trim(),
          description: description.value,
          tags: tags.value,
          licence: licence.value.trim(),
          price: priceWei,
          accessPeriod: Math.round(Number(period.value || '0') * 86_400),
          ...(prover.value === 'groth16' || prover.value === 'honk' ? { prover: prover.value } : {}),
          ...(editor !== undefined ? { mapping: editor.read() } : {}),
        },
        {
          fileName: file.name,
          signal,
          onProgress: ({ sent, total }) => uploaded.set(sent, total, `${formatBytes(sent)} of ${formatBytes(total)} sent`),
        },
      )
      follow(jobId)
    } catch (err) {
      progress.replaceChildren()
      mount(formError, errorAlert(err))
    } finally {
      if (submit !== undefined) submit.disabled = false
    }
  }

  mount(
    root,
    h('h1', null, 'Sell sensor data'),
    h(
      'p',
      { class: 'lead' },
      `This node encrypts your file, stores it in IPFS, proves its statistics in zero knowledge and anchors them on chain ${ctx.deployment.chainId} with its own account, which becomes the seller.`,
    ),
    h(
      'p',
      null,
      'Every publication of this node, with its progress and a retry for failed ones: ',
      h('a', { href: href('publications'), 'data-testid': 'publications-link' }, 'Publications'),
      '.',
    ),
    h(
      'form',
      { class: 'sell', onSubmit: (e: SubmitEvent) => void publish(e) },
      h(
        'section',
        { class: 'panel' },
        h('h2', null, '1. Your data'),
        field('CSV or NDJSON file, or device-signed batches', fileInput),
        h(
          'p',
          { class: 'hint' },
          'Batches signed by your own sensors need their device keys registered to this node: see ',
          h('a', { href: href('devices'), 'data-testid': 'devices-link' }, 'Devices'),
          '.',
        ),
        mappingArea,
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', null, '2. The listing'),
        field('Title', title),
        field('Description', description),
        h(
          'div',
          { class: 'filter-row' },
          field('Tags', tags, 'comma-separated'),
          field('Licence', licence),
          field('Price (ETH)', price),
          field('Access (days)', period, '0 = perpetual'),
          field('Proof system', prover),
        ),
      ),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'publish' }, 'Publish')),
      formError,
    ),
    progress,
  )
}

import type { AuditCheck } from '../../../sdk/index.js'
import { errorAlert, notice, saveBytes } from '../components.js'
import { field, h, mount, progressBar } from '../dom.js'
import { href, type Page } from '../router.js'
import { runVerifier } from '../run-verifier.js'

const CHECK_LABELS: Record<string, string> = {
  anchor: 'Anchor and its event on-chain',
  manifest: 'Manifest matches the anchor',
  content: 'Every IPFS block matches its CID',
  proofs: 'Batch proofs, verification key and Merkle root',
  stats: 'Stated statistics are the proven ones',
  'on-chain verifier': 'The verifier contract accepts sample batches',
  devices: 'Devices registered and unrevoked at publish time',
  quality: 'Quality report is the anchored one',
  setup: 'Trusted setup: the ceremony behind the anchored setup record',
}

function checkItem(c: AuditCheck): HTMLElement {
  return h(
    'li',
    { class: `check ${c.ok ? 'pass' : 'fail'}`, 'data-check': c.name, 'data-ok': String(c.ok) },
    h('span', { class: 'check-mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
    h(
      'div',
      null,
      h('strong', null, CHECK_LABELS[c.name] ?? c.name, h('span', { class: 'sr-only' }, c.ok ? ' passed' : ' failed')),
      h('p', null, c.detail),
    ),
  )
}

/**
 * Audit: every check of `assay verify` that needs no plaintext, run in this browser from the
 * chain (through the RPC URL given here) and IPFS (through the node, every block checked).
 */
export const auditPage: Page = (root, ctx, route, signal) => {
  const id = h('input', {
    inputmode: 'numeric',
    pattern: '[1-9][0-9]*',
    required: true,
    value: route.path[1] ?? '',
    'data-testid': 'audit-id',
  })
  const rpc = h('input', { type: 'url', value: ctx.rpcUrl() ?? '', placeholder: 'https://…', required: true })
  const out = h('section', { 'aria-live': 'polite', 'data-testid': 'audit-result' })
  const run = async (): Promise<void> => {
    ctx.setRpcUrl(rpc.value)
    const datasetId = id.value.trim()
    if (!/^[1-9]\d{0,15}$/.test(datasetId)) return mount(out, errorAlert(new Error('Enter a dataset id: a positive whole number.')))
    if (location.hash !== href(`audit/${datasetId}`)) history.replaceState(null, '', href(`audit/${datasetId}`))
    const list = h('ol', { class: 'checks' })
    const bar = progressBar('Proof verification progress')
    const verdict = h('div')
    mount(out, h('h2', null, `Audit of dataset #${datasetId}`), list, bar.el, verdict)
    bar.set(0, 1, 'Reading the anchor…')
    try {
      const { report } = await runVerifier(
        { type: 'audit', node: ctx.node, rpcUrl: rpc.value.trim(), datasetId },
        (m) => {
          if (m.type === 'check') list.append(checkItem(m.check))
          if (m.type === 'progress') bar.set(m.done, m.total, `Verifying batch proofs: ${m.done} / ${m.total}`)
        },
        signal,
      )
      bar.el.remove()
      const failed = report.checks.filter((c) => !c.ok)
      mount(
        verdict,
        report.ok
          ? notice(
              'success',
              h('strong', { 'data-testid': 'audit-verdict' }, 'Every check passed. '),
              `${report.checks.length} checks in ${report.seconds.toFixed(1)} s, trusting only the chain, content addressing and the circuit artifacts pinned in this app.`,
            )
          : notice(
              'warning',
              h('strong', { 'data-testid': 'audit-verdict' }, `${failed.length} check${failed.length === 1 ? '' : 's'} failed. `),
              'Do not rely on this dataset’s claims: ',
              failed.map((c) => c.name).join(', '),
              '.',
            ),
        // Passing checks under a development setup still say who could have forged the proofs.
        report.setup?.warning !== undefined
          ? notice(
              'warning',
              h('strong', { 'data-testid': 'setup-warning' }, `Circuit setup: ${report.setup.warning}. `),
              `The proofs verify, but their circuit's keys come from a public seed (${report.setup.ptau.source} powers of tau, ${report.setup.zkeySetup} key), not a ceremony.`,
            )
          : null,
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'audit-download',
            onClick: () =>
              saveBytes(
                new TextEncoder().encode(
                  `${JSON.stringify({ ...report, chainId: ctx.deployment.chainId, rpcUrl: rpc.value.trim(), auditedAt: new Date().toISOString() }, null, 2)}\n`,
                ),
                `assay-audit-${datasetId}.json`,
                'application/json',
              ),
          },
          'Download report (JSON)',
        ),
      )
    } catch (err) {
      bar.el.remove()
      mount(verdict, errorAlert(err))
    }
  }
  const ceremony = h('input', { type: 'file', multiple: true, webkitdirectory: true, required: true, 'data-testid': 'setup-folder' })
  const ptau = h('input', { type: 'file', accept: '.ptau', required: true, 'data-testid': 'setup-ptau' })
  const setupOut = h('div', { 'aria-live': 'polite', 'data-testid': 'setup-result' })
  const checkSetup = async (): Promise<void> => {
    const datasetId = id.value.trim()
    if (!/^[1-9]\d{0,15}$/.test(datasetId))
      return mount(setupOut, errorAlert(new Error('Enter a dataset id above: a positive whole number.')))
    const files = [...(ceremony.files ?? [])]
    const ptauFile = ptau.files?.[0]
    if (files.length === 0 || ptauFile === undefined)
      return mount(setupOut, errorAlert(new Error('Choose the ceremony folder and its powers-of-tau file.')))
    ctx.setRpcUrl(rpc.value)
    mount(
      setupOut,
      notice(
        'info',
        `Checking ${files.length} files against the setup record anchored for dataset #${datasetId}: every contribution is verified in this browser, which takes minutes for a production circuit.`,
      ),
    )
    try {
      const { check, seconds } = await runVerifier(
        { type: 'setup', node: ctx.node, rpcUrl: rpc.value.trim(), datasetId, files, ptau: ptauFile },
        () => undefined,
        signal,
      )
      mount(setupOut, h('ol', { class: 'checks' }, checkItem(check)), h('p', { class: 'hint' }, `Checked in ${seconds.toFixed(1)} s.`))
    } catch (err) {
      mount(setupOut, errorAlert(err))
    }
  }
  mount(
    root,
    h('h1', null, 'Audit a dataset'),
    h(
      'p',
      { class: 'lead' },
      'Runs the auditor’s checks in this browser. The node serving this page is only a gateway: every answer it gives is checked against the chain and content hashes. For the plaintext checks, buy access and use ',
      h('code', null, 'assay verify --plaintext'),
      '.',
    ),
    h(
      'form',
      {
        class: 'panel audit-form',
        onSubmit: (e: SubmitEvent) => {
          e.preventDefault()
          void run()
        },
      },
      h(
        'div',
        { class: 'filter-row' },
        field('Dataset id', id),
        field('Chain RPC URL', rpc, 'reads go straight to this endpoint, not through the node'),
      ),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'audit-run' }, 'Run audit'),
    ),
    out,
    h(
      'details',
      { class: 'panel', 'data-testid': 'setup-check' },
      h('summary', null, 'Check the trusted setup with its ceremony files'),
      h(
        'p',
        null,
        'The audit checks the key against the setup record anchored with the verifier. This also checks the ceremony the record describes: every contribution against the powers of tau and the circuit (as ',
        h('code', null, 'assay verify --setup'),
        '). The files stay in this browser.',
      ),
      h(
        'form',
        {
          onSubmit: (e: SubmitEvent) => {
            e.preventDefault()
            void checkSetup()
          },
        },
        h(
          'div',
          { class: 'filter-row' },
          field('Ceremony folder', ceremony, 'as contributors pass it on: ceremony.json and its zkeys'),
          field('Powers of tau', ptau, 'your own copy of the .ptau file the ceremony started from'),
        ),
        h('button', { type: 'submit', 'data-testid': 'setup-run' }, 'Check the setup'),
      ),
      setupOut,
    ),
  )
  if (route.path[1] !== undefined) void run()
}

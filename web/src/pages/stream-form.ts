import { parseEther } from 'ethers'
import type { CreateStreamRequest } from '../../../sdk/index.js'
import type { AppContext } from '../app-context.js'
import { errorAlert, spinner } from '../components.js'
import { field, h, mount, uid } from '../dom.js'
import { deviceName, formatDuration, shortHex } from '../format.js'
import { href, type Page } from '../router.js'
import { withOperator } from './operator-sign-in.js'

/** Bounds of POST /streams (api/stream-schemas.ts `createStreamSchema`) and DataMarket.createStream, checked before sending. */
const MAX_SECONDS = 100 * 365 * 86_400
const MAX_GRACE_S = 86_400
const MAX_READINGS = 100_000_000
const MAX_TAGS = 32
const MAX_DEVICES = 1000
/** DataMarket keeps a price per period in 96 bits. */
const MAX_PRICE_WEI = (1n << 96n) - 1n
/** Devices of the node's account offered as checkboxes: the newest registrations (others by id). */
const MAX_DEVICES_OFFERED = 100

const UNITS = [
  ['s', 'seconds', 1],
  ['min', 'minutes', 60],
  ['h', 'hours', 3_600],
  ['d', 'days', 86_400],
] as const

/** A length of time typed as a number and a unit (1.5 hours), read as whole seconds. */
interface DurationInput {
  el: HTMLElement
  number: HTMLInputElement
  /** Seconds, or a problem in words (without the field's name). */
  read(): number | { problem: string }
}

function durationInput(label: string, value: number, unit: (typeof UNITS)[number][0], hint: string, testId: string): DurationInput {
  const number = h('input', { inputmode: 'decimal', value, required: true, 'data-testid': testId })
  const unitSelect = h(
    'select',
    { 'aria-label': `${label}: unit`, 'data-testid': `${testId}-unit` },
    ...UNITS.map(([v, l]) => h('option', { value: v, selected: v === unit }, l)),
  )
  const el = field(label, number, hint)
  // The unit beside the number, inside the field.
  const row = h('div', { class: 'duration' })
  number.replaceWith(row)
  row.append(number, unitSelect)
  return {
    el,
    number,
    read() {
      const text = number.value.trim()
      const [, unitName, size] = UNITS.find(([v]) => v === unitSelect.value)!
      if (!/^\d+(\.\d+)?$/.test(text)) return { problem: `“${text}” is not a number of ${unitName}` }
      const seconds = Number(text) * size
      if (!Number.isInteger(Math.round(seconds * 1e6) / 1e6)) return { problem: `${text} ${unitName} is not a whole number of seconds` }
      return Math.round(seconds)
    },
  }
}

/** What the form holds, as typed. */
export interface StreamFormValues {
  title: string
  description: string
  licence: string
  tags: string
  windowSeconds: number | { problem: string }
  periodSeconds: number | { problem: string }
  price: string
  graceSeconds: number | { problem: string }
  maxReadings: string
  /** Chosen among the node's devices. */
  chosenDevices: string[]
  /** Typed by hand: decimal ids separated by commas, spaces or lines. */
  otherDevices: string
  circuitId: string
  /** `YYYY-MM-DDTHH:MM[:SS]` in UTC, or empty for now. */
  start: string
}

export type StreamFormField = 'title' | 'licence' | 'tags' | 'window' | 'period' | 'price' | 'grace' | 'maxReadings' | 'devices' | 'start'

/**
 * The POST /streams body the form's values make, or every problem with them by field, each
 * naming the field and what to do: nothing is sent until there is none.
 */
export function readStreamForm(v: StreamFormValues): { request: CreateStreamRequest } | { problems: Map<StreamFormField, string> } {
  const problems = new Map<StreamFormField, string>()
  const title = v.title.trim()
  if (title === '') problems.set('title', 'Title: give the stream a name buyers will recognise.')
  else if (title.length > 200) problems.set('title', `Title: at most 200 characters (this one has ${title.length}).`)
  const licence = v.licence.trim()
  if (licence === '' || licence.length > 100) problems.set('licence', 'Licence: a licence name of 1 to 100 characters, e.g. CC-BY-4.0.')
  const tags = v.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  const longTag = tags.find((t) => t.length > 40)
  if (tags.length > MAX_TAGS) problems.set('tags', `Tags: at most ${MAX_TAGS} (there are ${tags.length}).`)
  else if (longTag !== undefined) problems.set('tags', `Tags: each at most 40 characters (“${shortHex(longTag, 12)}” is longer).`)

  const windowS = v.windowSeconds
  if (typeof windowS !== 'number') problems.set('window', `Window length: ${windowS.problem}.`)
  else if (windowS < 1 || windowS > MAX_SECONDS) problems.set('window', 'Window length: from 1 second to 100 years.')
  const period = v.periodSeconds
  if (typeof period !== 'number') problems.set('period', `Access period: ${period.problem}.`)
  else if (period < 1 || period > MAX_SECONDS) problems.set('period', 'Access period: from 1 second to 100 years.')
  else if (typeof windowS === 'number' && windowS >= 1 && period % windowS !== 0) {
    // A subscription covers whole windows: the contract refuses a period that would cut one.
    const lower = Math.floor(period / windowS) * windowS
    const choices = lower > 0 ? `${formatDuration(lower)} or ${formatDuration(lower + windowS)}` : formatDuration(windowS)
    problems.set(
      'period',
      `Access period: ${formatDuration(period)} is not a whole number of ${formatDuration(windowS)} windows (it is ${Math.round((period / windowS) * 100) / 100}); a subscription buys whole windows, so make it ${choices}.`,
    )
  }

  let price: bigint | undefined
  try {
    price = parseEther(v.price.trim())
  } catch {
    problems.set('price', 'Price: enter an amount in ETH, e.g. 0.01.')
  }
  if (price !== undefined && price <= 0n) problems.set('price', 'Price: more than 0 ETH (the contract refuses a free stream).')
  else if (price !== undefined && price > MAX_PRICE_WEI) problems.set('price', 'Price: at most 79,228,162,514 ETH.')

  const grace = v.graceSeconds
  if (typeof grace !== 'number') problems.set('grace', `Grace: ${grace.problem}.`)
  else if (grace > MAX_GRACE_S) problems.set('grace', 'Grace: at most 1 day.')
  const maxReadings = Number(v.maxReadings.trim())
  if (!/^\d+$/.test(v.maxReadings.trim()) || maxReadings < 1 || maxReadings > MAX_READINGS)
    problems.set('maxReadings', `Max readings per window: a whole number from 1 to ${MAX_READINGS.toLocaleString('en')}.`)

  const typed = v.otherDevices.split(/[\s,;]+/).filter(Boolean)
  const notId = typed.find((d) => !/^\d{1,78}$/.test(d))
  const deviceIds = [...new Set([...v.chosenDevices, ...typed])]
  if (notId !== undefined) problems.set('devices', `Devices: “${shortHex(notId, 10)}” is not a device id (a decimal number).`)
  else if (deviceIds.length === 0)
    problems.set('devices', 'Devices: choose at least one device to feed the stream (or type its id): it takes readings from these alone.')
  else if (deviceIds.length > MAX_DEVICES) problems.set('devices', `Devices: at most ${MAX_DEVICES} (there are ${deviceIds.length}).`)

  let start: number | undefined
  if (v.start.trim() !== '') {
    const ms = Date.parse(`${v.start.trim()}Z`)
    if (Number.isNaN(ms) || ms < 0) problems.set('start', 'Start: a date and time (UTC), or empty for now.')
    else start = Math.floor(ms / 1000)
  }

  if (problems.size > 0) return { problems }
  return {
    request: {
      title,
      description: v.description,
      licence,
      tags,
      windowSeconds: windowS as number,
      periodSeconds: period as number,
      price: price!.toString(),
      graceSeconds: grace as number,
      maxReadings,
      deviceIds,
      ...(v.circuitId !== '' ? { circuitId: v.circuitId } : {}),
      ...(start !== undefined ? { start } : {}),
    },
  }
}

/** The devices the node's account can publish for: its registrations, newest first, still its own and not revoked. */
async function nodeDevices(
  ctx: AppContext,
): Promise<{ account: string; devices: Array<{ deviceId: string; label: string }>; more: number }> {
  const { owner: account } = await ctx.client.deviceRegistration()
  const { reader } = ctx.chain()
  const registrations = (await reader.deviceRegistrationsOf(account)).reverse()
  const newest = registrations.slice(0, MAX_DEVICES_OFFERED)
  const usable = await Promise.all(newest.map((r) => reader.canPublish(r.deviceId, account)))
  return {
    account,
    devices: newest.filter((_, i) => usable[i]).map((r) => ({ deviceId: r.deviceId.toString(), label: r.label })),
    more: registrations.length - newest.length,
  }
}

/** The SensorStats circuits the node knows (its health report), newest version first; v1 is retired. */
async function streamCircuits(ctx: AppContext, signal: AbortSignal): Promise<Array<{ id: string; state: string }>> {
  const report = await ctx.client.health({ signal })
  return Object.entries(report.circuits?.circuits ?? {})
    .filter(([id]) => id.startsWith('sensor-stats-') && !id.endsWith('-v1'))
    .map(([id, c]) => ({ id, state: c.state }))
}

/** New stream (`#/streams/new`): the operator's; the node creates it on-chain with its account. */
export const createStreamPage: Page = (root, ctx, _route, signal) =>
  withOperator(root, ctx, signal, () => void streamForm(root, ctx, signal))

async function streamForm(root: HTMLElement, ctx: AppContext, signal: AbortSignal): Promise<void> {
  const heading = h('h1', null, 'New stream')
  const crumbs = h('p', { class: 'crumbs' }, h('a', { href: href('streams') }, 'Streams'), ' / new')
  mount(root, crumbs, heading, spinner('Reading the devices registered to this node’s account…'))
  let devices: Awaited<ReturnType<typeof nodeDevices>>
  let circuits: Array<{ id: string; state: string }>
  try {
    ;[devices, circuits] = await Promise.all([nodeDevices(ctx), streamCircuits(ctx, signal)])
  } catch (err) {
    if (!signal.aborted) mount(root, crumbs, heading, errorAlert(err))
    return
  }
  if (signal.aborted) return

  const title = h('input', { required: true, maxlength: 200, 'data-testid': 'stream-title-input' })
  const description = h('textarea', { rows: 3, maxlength: 10_000, 'data-testid': 'stream-description' })
  const tags = h('input', { placeholder: 'outdoor, air', 'data-testid': 'stream-tags' })
  const licence = h('input', { value: 'CC-BY-4.0', 'data-testid': 'stream-licence' })
  const windowLength = durationInput('Window length', 1, 'h', 'each window becomes a dataset of its own', 'window')
  const period = durationInput('Access period', 1, 'd', 'what one purchase buys: a whole number of windows', 'period')
  const price = h('input', { inputmode: 'decimal', value: '0.01', 'data-testid': 'stream-price' })
  const grace = durationInput('Grace', 60, 's', 'late batches are still taken this long after a window ends (at most 1 day)', 'grace')
  const maxReadings = h('input', { inputmode: 'numeric', value: '1000000', 'data-testid': 'max-readings' })
  const start = h('input', { type: 'datetime-local', step: 1, 'data-testid': 'stream-start' })
  const circuit = h(
    'select',
    { 'data-testid': 'stream-circuit' },
    h('option', { value: '' }, 'Node default'),
    ...circuits.map((c) => h('option', { value: c.id }, c.state === 'ready' ? c.id : `${c.id} (${c.state})`)),
  )
  const boxes = devices.devices.map((d) =>
    h('input', { type: 'checkbox', value: d.deviceId, id: uid('device'), 'data-device': d.deviceId }),
  )
  const otherDevices = h('input', { placeholder: '12345…, 67890…', 'data-testid': 'other-devices' })
  const devicesHint = uid('devices-hint')
  const devicesSet = h(
    'fieldset',
    { class: 'device-choice', 'data-testid': 'stream-devices', 'aria-describedby': devicesHint },
    h('legend', null, 'Devices feeding the stream'),
    h(
      'p',
      { class: 'hint', id: devicesHint },
      `The stream takes signed batches from these devices alone. Devices registered to this node’s account (${shortHex(devices.account, 4)}), newest first`,
      devices.more > 0 ? `; the ${MAX_DEVICES_OFFERED} newest are listed, ${devices.more} older by id below` : '',
      '.',
    ),
    devices.devices.length === 0
      ? h(
          'p',
          null,
          'No device is registered to this node’s account yet: register one on the ',
          h('a', { href: href('devices') }, 'Devices page'),
          ' or with ',
          h('code', null, 'assay device register'),
          '.',
        )
      : h(
          'ul',
          { class: 'device-list' },
          ...devices.devices.map((d, i) =>
            h(
              'li',
              null,
              boxes[i],
              h(
                'label',
                { for: boxes[i]!.id },
                deviceName({ label: d.label || undefined, deviceId: d.deviceId }),
                ' ',
                h('small', null, `#${shortHex(d.deviceId, 6)}`),
              ),
            ),
          ),
        ),
    field('Other device ids', otherDevices, 'decimal ids, separated by commas'),
  )

  // Each control's problem under it (named, announced with the summary), the summary above the button.
  const controls: Record<StreamFormField, HTMLElement> = {
    title,
    licence,
    tags,
    window: windowLength.number,
    period: period.number,
    price,
    grace: grace.number,
    maxReadings,
    devices: otherDevices,
    start,
  }
  const fieldProblems = new Map<StreamFormField, HTMLElement>()
  const summary = h('div', { 'data-testid': 'stream-form-problems' })
  const outcome = h('div', { 'aria-live': 'polite' })
  const clearProblems = (): void => {
    for (const [name, el] of fieldProblems) {
      el.remove()
      const control = name === 'devices' ? devicesSet : controls[name]
      control.removeAttribute('aria-invalid')
      control.setAttribute('aria-describedby', (control.getAttribute('aria-describedby') ?? '').replace(el.id, '').trim())
    }
    fieldProblems.clear()
    summary.replaceChildren()
  }
  const showProblems = (problems: Map<StreamFormField, string>): void => {
    for (const [name, text] of problems) {
      const el = h('p', { class: 'field-error', id: uid('problem'), 'data-problem': name }, text)
      const control = name === 'devices' ? devicesSet : controls[name]
      control.setAttribute('aria-invalid', 'true')
      control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${el.id}`.trim())
      // Under the whole field (the number and its unit), or at the end of the devices' fieldset.
      ;(name === 'devices' ? devicesSet : (control.closest('.field') ?? control)).append(el)
      fieldProblems.set(name, el)
    }
    mount(
      summary,
      h(
        'div',
        { role: 'alert', class: 'alert error' },
        h('strong', null, `Not sent: ${problems.size === 1 ? 'one field needs' : `${problems.size} fields need`} correcting.`),
        h('ul', null, ...[...problems.values()].map((p) => h('li', null, p))),
      ),
    )
  }

  const create = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    clearProblems()
    outcome.replaceChildren()
    const read = readStreamForm({
      title: title.value,
      description: description.value,
      licence: licence.value,
      tags: tags.value,
      windowSeconds: windowLength.read(),
      periodSeconds: period.read(),
      price: price.value,
      graceSeconds: grace.read(),
      maxReadings: maxReadings.value,
      chosenDevices: boxes.filter((b) => b.checked).map((b) => b.value),
      otherDevices: otherDevices.value,
      circuitId: circuit.value,
      start: start.value,
    })
    if ('problems' in read) return showProblems(read.problems)
    const submit = (e.submitter as HTMLButtonElement | null) ?? undefined
    if (submit !== undefined) submit.disabled = true
    try {
      // Ids typed by hand: refused here when the node's account cannot publish their batches
      // (the node would take the stream, then refuse every batch of the device).
      const typed = read.request.deviceIds.filter((id) => !devices.devices.some((d) => d.deviceId === id))
      if (typed.length > 0) {
        mount(outcome, spinner('Checking the devices typed by id on the chain…'))
        const { reader } = ctx.chain()
        const usable = await Promise.all(typed.map((id) => reader.canPublish(BigInt(id), devices.account)))
        const foreign = typed.filter((_, i) => !usable[i])
        if (foreign.length > 0) {
          outcome.replaceChildren()
          return showProblems(
            new Map([
              [
                'devices',
                `Devices: ${foreign.map((id) => `#${shortHex(id, 6)}`).join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not registered to this node’s account (or revoked): register ${foreign.length === 1 ? 'it' : 'them'} first, or leave ${foreign.length === 1 ? 'it' : 'them'} out.`,
              ],
            ]),
          )
        }
      }
      mount(outcome, spinner('Creating the stream on chain with the node’s account…'))
      const created = await ctx.client.createStream(read.request)
      if (signal.aborted) return
      location.hash = href(`streams/${created.streamId}`)
    } catch (err) {
      if (!signal.aborted) mount(outcome, errorAlert(err))
    } finally {
      if (submit !== undefined) submit.disabled = false
    }
  }

  mount(
    root,
    crumbs,
    heading,
    h(
      'p',
      { class: 'lead' },
      `A live feed sold by subscription: every window closes into a dataset of its own — proven, encrypted, anchored — and attached to the stream on chain ${ctx.deployment.chainId}, created with this node’s account, which is paid.`,
    ),
    h(
      'form',
      { class: 'stream-form', novalidate: true, 'data-testid': 'stream-form', onSubmit: (e: SubmitEvent) => void create(e) },
      h(
        'section',
        { class: 'panel' },
        h('h2', null, '1. What it is'),
        field('Title', title),
        field('Description', description),
        h('div', { class: 'filter-row' }, field('Tags', tags, 'comma-separated'), field('Licence', licence)),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', null, '2. Windows and price'),
        h(
          'div',
          { class: 'filter-row wide-fields' },
          windowLength.el,
          period.el,
          field('Price per period (ETH)', price),
          grace.el,
          field('Max readings per window', maxReadings, 'a window closes early once it holds this many'),
          field('Window 0 starts (UTC)', start, 'empty: now'),
        ),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', null, '3. Devices'),
        devicesSet,
        field('Circuit the devices sign for', circuit, 'the SensorStats circuit proving each window'),
      ),
      summary,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-stream' }, 'Create stream')),
      outcome,
    ),
  )
}

import {
  createDeviceKey,
  DEVICE_KEY_FORMAT,
  deviceKeyFromFile,
  DeviceKeyFileError,
  deviceKeyToFile,
  type DeviceKey,
} from '../../../circuits/index.js'
import type { DeviceRegistration } from '../../../contracts/index.js'
import { registerDeviceKey } from '../../../sdk/index.js'
import type { AppContext } from '../app-context.js'
import { errorAlert, notice, saveBytes, spinner } from '../components.js'
import { field, h, mount } from '../dom.js'
import { formatBytes, formatDate, shortHex } from '../format.js'
import type { Page } from '../router.js'
import { withOperator } from './operator-sign-in.js'

/** A device key file is ~400 bytes; anything far larger is not one, and is not read. */
const MAX_KEY_FILE_BYTES = 16 * 1024
/** DeviceRegistry keeps the label as the device's metadata (POST /devices allows 200 characters). */
const MAX_LABEL = 200

type LoadedKey = DeviceKey & { label?: string }

/**
 * Reads and checks a device key file chosen in the browser (File API: it is never uploaded), as
 * `assay device register` reads one: the public key and id are derived again from the private key.
 *
 * @throws {DeviceKeyFileError} naming the file: too large, not JSON, not a device key, or its parts disagree
 */
async function readKeyFile(file: File): Promise<LoadedKey> {
  if (file.size > MAX_KEY_FILE_BYTES)
    throw new DeviceKeyFileError(`${file.name} is ${formatBytes(file.size)}; a device key file is under 1 kB`)
  let json: unknown
  try {
    json = JSON.parse(await file.text())
  } catch (err) {
    throw new DeviceKeyFileError(`${file.name} is not JSON (${(err as Error).message})`, { cause: err })
  }
  try {
    return await deviceKeyFromFile(json)
  } catch (err) {
    if (err instanceof DeviceKeyFileError) throw new DeviceKeyFileError(`${file.name}: ${err.message}`, { cause: err })
    throw err
  }
}

/** A refused key file in words of its own; anything else as every error is shown. */
function keyProblem(err: unknown): HTMLElement {
  if (!(err instanceof DeviceKeyFileError)) return errorAlert(err)
  return h(
    'div',
    { role: 'alert', class: 'alert error', 'data-testid': 'key-file-error' },
    h('strong', null, 'Not a usable device key file'),
    ' ',
    `${err.message}. Choose the file \`assay device create\` wrote (format ${DEVICE_KEY_FORMAT}).`,
  )
}

const deviceIdCode = (id: bigint | string): HTMLElement => h('code', { title: String(id) }, shortHex(String(id), 6))

/** Devices: register a device key to the node's account with its proof of possession, made here; list the node's devices (the operator's). */
export const devicesPage: Page = (root, ctx, _route, signal) => withOperator(root, ctx, signal, () => void devicesView(root, ctx, signal))

async function devicesView(root: HTMLElement, ctx: AppContext, signal: AbortSignal): Promise<void> {
  const list = h('div', { 'data-testid': 'devices', 'aria-busy': 'true' }, spinner('Reading the node’s devices from the chain…'))
  // Each drawing of the list makes the ones before it stale (a registration redraws it).
  let drawing = 0
  const draw = (): Promise<void> => {
    const mine = ++drawing
    return drawDevices(ctx, list, () => mine !== drawing || signal.aborted)
  }
  mount(
    root,
    h('h1', null, 'Devices'),
    h(
      'p',
      { class: 'lead' },
      `The sensors whose signed readings this node publishes. Each device key is registered on chain ${ctx.deployment.chainId} to the node’s account, with the key’s own signature as proof that whoever registers it holds it.`,
    ),
    registerForm(ctx, signal, () => void draw()),
    createKeyPanel(),
    h(
      'section',
      { class: 'account-section', 'aria-labelledby': 'devices-title' },
      h('h2', { id: 'devices-title' }, 'This node’s devices'),
      list,
    ),
  )
  await draw()
}

function registerForm(ctx: AppContext, signal: AbortSignal, registered: () => void): HTMLElement {
  const fileInput = h('input', { type: 'file', accept: '.json,application/json', required: true, 'data-testid': 'device-key-file' })
  const label = h('input', { maxlength: MAX_LABEL, autocomplete: 'off', 'data-testid': 'device-label' })
  const chosen = h('div', { 'aria-live': 'polite', 'data-testid': 'device-key-chosen' })
  const outcome = h('div', { 'aria-live': 'polite', 'data-testid': 'register-outcome' })
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'register-device' }, 'Register device')
  // The key of the file chosen last, read once; a newer choice makes an older reading stale.
  let key: Promise<LoadedKey> | undefined
  let choice = 0

  fileInput.addEventListener('change', () => {
    outcome.replaceChildren()
    const file = fileInput.files?.[0]
    const mine = ++choice
    key = file === undefined ? undefined : readKeyFile(file)
    if (key === undefined) return chosen.replaceChildren()
    key.then(
      (k) => {
        if (mine !== choice) return
        if (label.value === '' && k.label !== undefined) label.value = k.label
        mount(
          chosen,
          h('p', { class: 'hint' }, 'Device ', deviceIdCode(k.deviceId), k.label !== undefined ? ` (${k.label})` : '', ', key checked.'),
        )
      },
      (err: unknown) => {
        if (mine === choice) mount(chosen, keyProblem(err))
      },
    )
  })

  const register = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    outcome.replaceChildren()
    if (key === undefined) return mount(outcome, keyProblem(new DeviceKeyFileError('no file chosen')))
    submit.disabled = true
    try {
      let loaded: LoadedKey
      try {
        loaded = await key
      } catch (err) {
        return mount(outcome, keyProblem(err))
      }
      mount(outcome, spinner('Signing the node’s registration terms with the device key, in this browser…'))
      const text = label.value.trim()
      const result = await registerDeviceKey(ctx.client, loaded, { label: text !== '' ? text : undefined })
      if (signal.aborted) return
      mount(
        outcome,
        result.alreadyRegistered === true
          ? notice(
              'info',
              h('strong', null, 'Already registered. '),
              'Device ',
              h('code', { class: 'long-id', 'data-testid': 'registered-device-id' }, result.deviceId),
              ' is registered to this node’s account ',
              h('code', { class: 'address long-id' }, result.owner),
              '; nothing was sent to the chain.',
            )
          : notice(
              'success',
              h('strong', null, 'Registered. '),
              'Device ',
              h('code', { class: 'long-id', 'data-testid': 'registered-device-id' }, result.deviceId),
              ' is registered to this node’s account ',
              h('code', { class: 'address long-id' }, result.owner),
              ' (tx ',
              h('code', { 'data-testid': 'registered-tx', title: result.txHash }, shortHex(result.txHash ?? '', 8)),
              ').',
            ),
      )
      registered()
    } catch (err) {
      if (!signal.aborted) mount(outcome, errorAlert(err))
    } finally {
      submit.disabled = false
    }
  }

  return h(
    'form',
    { class: 'panel', 'aria-labelledby': 'register-title', onSubmit: (e: SubmitEvent) => void register(e) },
    h('h2', { id: 'register-title' }, 'Register a device'),
    h(
      'p',
      null,
      'Choose the device’s key file (what ',
      h('code', null, 'assay device create'),
      ' writes). This browser reads and checks it, fetches the node’s registration terms (its account, the chain, the registry and a nonce) and signs them with the device key. Only the public key, that signature and the label are sent: ',
      h('strong', null, 'the private key never leaves this browser.'),
    ),
    field('Device key file', fileInput, `JSON, format ${DEVICE_KEY_FORMAT}`),
    chosen,
    field('Label', label, 'Optional: recorded on chain with the registration. Defaults to the key file’s label.'),
    h('div', { class: 'row' }, submit),
    outcome,
  )
}

function createKeyPanel(): HTMLElement {
  const label = h('input', { maxlength: MAX_LABEL, autocomplete: 'off', 'data-testid': 'new-device-label' })
  const outcome = h('div', { 'aria-live': 'polite', 'data-testid': 'create-outcome' })
  const create = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    const text = label.value.trim()
    const key = await createDeviceKey()
    const name = `${text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'device'}.key.json`
    const file = `${JSON.stringify(deviceKeyToFile(key, text !== '' ? text : undefined), null, 2)}\n`
    saveBytes(new TextEncoder().encode(file), name, 'application/json')
    mount(
      outcome,
      notice(
        'success',
        'Saved ',
        h('code', null, name),
        ' (device ',
        deviceIdCode(key.deviceId),
        '). Register it above by choosing that file.',
      ),
    )
  }
  return h(
    'form',
    {
      class: 'panel',
      'aria-labelledby': 'create-title',
      onSubmit: (e: SubmitEvent) => void create(e).catch((err: unknown) => mount(outcome, errorAlert(err))),
    },
    h('h2', { id: 'create-title' }, 'Create a device key'),
    h(
      'p',
      null,
      'Makes a new Baby Jubjub key in this browser and saves it as a key file, as ',
      h('code', null, 'assay device create'),
      ' does; the page keeps no copy. Keep the file private: whoever holds it signs as the device. A sensor in the field is better off making its own key, so that it never exists anywhere else.',
    ),
    field('Label', label, 'Optional, e.g. roof or greenhouse-2'),
    h('div', { class: 'row' }, h('button', { type: 'submit', 'data-testid': 'create-device-key' }, 'Create and save a key file')),
    outcome,
  )
}

/** One device of the node's account as the chain has it now. */
interface DeviceRow extends DeviceRegistration {
  owner: string
  registeredAt: bigint
  revokedAt: bigint
  publishable: boolean
}

/** The devices registered to (or transferred to) the node's account, read from the chain in this browser. */
async function devicesOf(ctx: AppContext, account: string): Promise<DeviceRow[]> {
  const { reader } = ctx.chain()
  const registrations = await reader.deviceRegistrationsOf(account)
  return Promise.all(
    registrations.map(async (r) => {
      const [device, publishable] = await Promise.all([reader.deviceOf(r.deviceId), reader.canPublish(r.deviceId, account)])
      return { ...r, owner: device.owner, registeredAt: device.registeredAt, revokedAt: device.revokedAt, publishable }
    }),
  )
}

/** Whether this node may publish the device's batches, and why not. */
function mayPublish(d: DeviceRow, account: string): HTMLElement {
  if (d.publishable) return h('span', { class: 'badge ok' }, 'Yes')
  const why =
    d.revokedAt !== 0n
      ? `revoked ${formatDate(Number(d.revokedAt))}`
      : d.owner.toLowerCase() !== account.toLowerCase()
        ? `transferred to ${shortHex(d.owner, 4)}`
        : 'not authorised'
  return h('span', null, h('span', { class: 'badge bad' }, 'No'), ` ${why}`)
}

async function drawDevices(ctx: AppContext, list: HTMLElement, stale: () => boolean): Promise<void> {
  list.setAttribute('aria-busy', 'true')
  try {
    // The node's account: the one its registration terms name.
    const account = (await ctx.client.deviceRegistration()).owner
    const devices = await devicesOf(ctx, account)
    if (stale()) return
    mount(
      list,
      h(
        'p',
        null,
        'Registered to the node’s account ',
        h('code', { class: 'address long-id', 'data-testid': 'node-account' }, account),
        '.',
      ),
      devices.length === 0
        ? h('p', null, 'No device is registered to this account yet.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'data-testid': 'devices-table' },
              h('caption', null, `${devices.length} device${devices.length === 1 ? '' : 's'} registered to this node’s account`),
              h(
                'thead',
                null,
                h('tr', null, ...['Device', 'Label', 'Registered', 'This node may publish'].map((c) => h('th', { scope: 'col' }, c))),
              ),
              h(
                'tbody',
                null,
                ...devices.map((d) =>
                  h(
                    'tr',
                    { 'data-device': String(d.deviceId) },
                    h('th', { scope: 'row' }, deviceIdCode(d.deviceId)),
                    h('td', { 'data-testid': 'label' }, d.label !== '' ? d.label : h('span', { class: 'hint' }, 'none')),
                    h(
                      'td',
                      null,
                      formatDate(Number(d.registeredAt)),
                      h('br'),
                      h('small', null, 'tx ', h('code', { title: d.txHash }, shortHex(d.txHash, 6))),
                      d.registeredBy.toLowerCase() !== account.toLowerCase()
                        ? h('small', null, ` by ${shortHex(d.registeredBy, 4)}, transferred since`)
                        : null,
                    ),
                    h('td', { 'data-testid': 'may-publish' }, mayPublish(d, account)),
                  ),
                ),
              ),
            ),
          ),
    )
  } catch (err) {
    if (!stale()) mount(list, errorAlert(err))
  } finally {
    if (!stale()) list.setAttribute('aria-busy', 'false')
  }
}

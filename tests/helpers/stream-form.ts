import type { Page } from 'playwright-core'

/** A length as the New stream form takes it: the number typed and the unit chosen ('s', 'min', 'h'). */
export type FormDuration = readonly [value: string, unit: string]

/** What to type into the New stream form; a field left out is left as it is. */
export interface StreamFormTerms {
  title?: string
  description?: string
  tags?: string
  licence?: string
  window?: FormDuration
  period?: FormDuration
  /** In ether, as typed. */
  price?: string
  grace?: FormDuration
  maxReadings?: string
  /** Unix seconds, typed to the second as UTC. */
  start?: number
  circuit?: string
  /** Devices to tick in the list of the node's own. */
  devices?: readonly bigint[]
}

/** Types `terms` into the New stream form (#/streams/new), in the form's order; it does not submit. */
export async function fillStreamForm(page: Page, terms: StreamFormTerms): Promise<void> {
  const fill = async (testId: string, value: string | undefined): Promise<void> => {
    if (value !== undefined) await page.getByTestId(testId).fill(value)
  }
  const fillDuration = async (testId: string, duration: FormDuration | undefined): Promise<void> => {
    if (duration === undefined) return
    await page.getByTestId(testId).fill(duration[0])
    await page.getByTestId(`${testId}-unit`).selectOption(duration[1])
  }
  await fill('stream-title-input', terms.title)
  await fill('stream-description', terms.description)
  await fill('stream-tags', terms.tags)
  await fill('stream-licence', terms.licence)
  await fillDuration('window', terms.window)
  await fillDuration('period', terms.period)
  await fill('stream-price', terms.price)
  await fillDuration('grace', terms.grace)
  await fill('max-readings', terms.maxReadings)
  if (terms.start !== undefined) await fill('stream-start', new Date(terms.start * 1000).toISOString().slice(0, 19))
  if (terms.circuit !== undefined) await page.getByTestId('stream-circuit').selectOption(terms.circuit)
  for (const id of terms.devices ?? []) await page.locator(`[data-device="${id}"]`).check()
}

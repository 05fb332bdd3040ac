import { BatchInputError } from '../batch-input-error.js'

/** circom input name → the Noir statement's parameter name (Noir's are snake_case), hints aside. */
export const SENSOR_STATS_NOIR_NAMES = {
  lo: 'lo',
  hi: 'hi',
  count: 'count',
  Ax: 'ax',
  Ay: 'ay',
  metricHash: 'metric_hash',
  scale: 'scale',
  offset: 'offset',
  nonce: 'nonce',
  batchIndex: 'batch_index',
  last: 'last',
  salt: 'salt',
  R8x: 'r8x',
  R8y: 'r8y',
  S: 's',
} as const

/**
 * The Noir SensorStatsV2 program's inputs for a circom SensorStatsV2 input (prepareBatch's
 * `input`): the same values under Noir's names, plus the hints circom computes with `<--` and the
 * Noir statement takes as private inputs held to the same constraints — active[i] (i < count), min
 * and max of the real readings, and the largest gap between consecutive real times (0 for one
 * reading). The hints are what an honest prover supplies; the circuit checks them, so nothing
 * here is trusted. @throws {BatchInputError} when the input is not a SensorStatsV2 one.
 */
export function sensorStatsNoirInput(input: Record<string, unknown>): Record<string, string | string[]> {
  const scalar = (name: string): string => {
    const v = input[name]
    if (typeof v !== 'string' && typeof v !== 'bigint' && typeof v !== 'number') throw new BatchInputError(`the input has no ${name}`)
    return v.toString()
  }
  const list = (name: string): bigint[] => {
    const v = input[name]
    if (!Array.isArray(v)) throw new BatchInputError(`the input has no ${name} list`)
    return v.map((x: unknown) => BigInt(x as string))
  }
  const values = list('values')
  const times = list('times')
  if (values.length !== times.length) throw new BatchInputError('values and times differ in length')
  const count = Number(scalar('count'))
  if (!Number.isInteger(count) || count < 1 || count > values.length)
    throw new BatchInputError(`count ${count} is not within 1..${values.length}`)
  const real = values.slice(0, count)
  let maxGap = 0n
  for (let i = 1; i < count; i++) if (times[i]! - times[i - 1]! > maxGap) maxGap = times[i]! - times[i - 1]!
  return {
    ...Object.fromEntries(Object.entries(SENSOR_STATS_NOIR_NAMES).map(([circom, noir]) => [noir, scalar(circom)])),
    values: values.map(String),
    times: times.map(String),
    active: values.map((_, i) => (i < count ? '1' : '0')),
    min: real.reduce((a, b) => (b < a ? b : a)).toString(),
    max: real.reduce((a, b) => (b > a ? b : a)).toString(),
    max_gap: maxGap.toString(),
  }
}

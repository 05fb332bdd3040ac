import { formatEther, ZeroAddress } from 'ethers'

export const shortHex = (s: string, keep = 6): string => (s.length <= 2 * keep + 3 ? s : `${s.slice(0, keep + 2)}…${s.slice(-keep)}`)

export function formatPrice(wei: string | bigint, paymentToken = ZeroAddress): string {
  if (paymentToken !== ZeroAddress) return `${Number(BigInt(wei)) / 1e6} tUSD`
  const eth = formatEther(BigInt(wei))
  return `${eth.replace(/\.0$/, '')} ETH`
}

/** `2026-11-22 10:51 UTC`, with seconds when they are not zero (short stream windows). */
export const formatDate = (unixS: number): string =>
  new Date(unixS * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/(:00)?\.\d+Z$/, ' UTC')

export function formatDuration(seconds: number): string {
  if (seconds >= 2 ** 63) return 'forever'
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  for (const [size, name] of units)
    if (seconds >= size) {
      const n = Math.round((seconds / size) * 10) / 10
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  return '0 seconds'
}

export const formatNumber = (x: number, digits = 2): string =>
  Number.isInteger(x) ? x.toLocaleString('en') : x.toLocaleString('en', { maximumFractionDigits: digits })

export const formatBytes = (n: number): string =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`

export const qualityClass = (score: number): string => (score >= 90 ? 'good' : score >= 70 ? 'fair' : 'poor')

/** A device's name for people: its label with any address shortened, else its id shortened. */
export const deviceName = (d: { label?: string | undefined; deviceId: string } | undefined, fallbackId = ''): string =>
  d?.label?.replace(/0x[0-9a-fA-F]{40}/g, (a) => shortHex(a, 4)) ?? shortHex(d?.deviceId ?? fallbackId)

/**
 * What Assay knows about common sensor metrics, matched by column or metric name: the usual unit
 * and a physically valid range (outdoor/indoor environmental sensors). The quality score uses the
 * range when a mapping gives none; `assay map` fills both in.
 */
export interface MetricDefaults {
  unit: string
  validRange: [number, number]
}

const KNOWN: Array<[RegExp, MetricDefaults]> = [
  [/^(dew[_ ]?point|dewp)$/i, { unit: '°C', validRange: [-60, 40] }],
  [/^(temp|temperature|t|air[_ ]?temp(erature)?)$/i, { unit: '°C', validRange: [-50, 60] }],
  [/^(rh|humidity|relative[_ ]?humidity|hum)$/i, { unit: '%', validRange: [0, 100] }],
  [/^humidity[_ ]?ratio$/i, { unit: 'kg/kg', validRange: [0, 0.05] }],
  [/^co2$/i, { unit: 'ppm', validRange: [250, 10_000] }],
  [/^(pm2[._]?5|pm25)$/i, { unit: 'µg/m³', validRange: [0, 1000] }],
  [/^pm10$/i, { unit: 'µg/m³', validRange: [0, 2000] }],
  [/^(pres|pressure|air[_ ]?pressure)$/i, { unit: 'hPa', validRange: [870, 1085] }],
  [/^(light|lux|illuminance)$/i, { unit: 'lux', validRange: [0, 150_000] }],
  [/^(iws|wind[_ ]?speed|ws)$/i, { unit: 'm/s', validRange: [0, 1000] }],
  [/^(noise|sound|spl)$/i, { unit: 'dB', validRange: [0, 140] }],
  [/^(voc|tvoc)$/i, { unit: 'ppb', validRange: [0, 60_000] }],
]

/** Defaults for a metric name, or undefined for an unknown metric. */
export function metricDefaults(name: string): MetricDefaults | undefined {
  return KNOWN.find(([re]) => re.test(name.trim()))?.[1]
}

/** What each quality component measures (docs/formats-and-protocol.md, "Quality report"), for the dataset page. */
export const QUALITY_EXPLANATIONS: Record<string, string> = {
  completeness: 'Readings present out of those expected at the median interval over the time span.',
  gaps: 'Time lost in intervals longer than 3× the median interval; the largest gap is proven.',
  duplicates: 'Repeated timestamps dropped at import.',
  validity: 'Readings inside the metric’s physical range — counted inside the zero-knowledge proofs.',
  outliers: 'Readings that are not robust-z outliers (|z| > 3.5, Iglewicz–Hoaglin).',
  stuck: 'Readings outside flat runs (≥ 12 equal readings spanning ≥ 2 h).',
  signatures: '1 when the device’s own key signed the batches, 0 when only the owner’s gateway key did.',
  agreement: 'Agreement with other devices measuring the same metric at the same times.',
}

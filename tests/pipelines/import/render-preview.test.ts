import { expect } from 'chai'
import sharp from 'sharp'
import {
  PIXEL_RATIO,
  PREVIEW_WIDTH,
  previewSvg,
  renderPreview,
  renderThumbnail,
  THUMBNAIL_SIZE,
  thumbnailSeriesIndex,
  thumbnailSvg,
  type PreviewSeries,
} from '../../../pipelines/import/render-preview.js'

const T0 = 1_423_072_260
const series = (label: string, unit: string, n: number, f: (i: number) => number = (i) => 20 + Math.sin(i / 9)): PreviewSeries => ({
  label,
  unit,
  times: Array.from({ length: n }, (_, i) => T0 + i * 60),
  values: Array.from({ length: n }, (_, i) => f(i)),
})
const fontSizes = (svg: string): number[] => [...svg.matchAll(/font-size="(\d+(?:\.\d+)?)"/g)].map((m) => Number(m[1]))
const polygons = (svg: string): string[] => [...svg.matchAll(/<polygon points="([^"]*)"/g)].map((m) => m[1]!)

// The preview of the dataset page and the marketplace card's thumbnail (sharp, SVG → PNG).
describe('render-preview: the dataset page preview and the card thumbnail', () => {
  const office = [series('temperature', '°C', 300), series('humidity', '%', 300), series('co2', 'ppm', 320, (i) => 700 + i)]

  it('draws the preview at twice the width the dataset page shows it, a panel per series, every label ≥ 14 px', async () => {
    const png = await renderPreview('Office climate', office)
    const meta = await sharp(png).metadata()
    expect(meta).to.include({ format: 'png', width: PREVIEW_WIDTH * PIXEL_RATIO })
    // The height grows with the series: a panel of 160 CSS px each.
    const one = await sharp(await renderPreview('Office climate', office.slice(0, 1))).metadata()
    expect((meta.height - one.height) / 2).to.equal(160 * PIXEL_RATIO)
    const svg = previewSvg('Office climate', office)
    expect(polygons(svg)).to.have.length(3)
    // ≥ 14 CSS px where it is drawn: ≥ 12 px on the page's narrowest two-column layout (472 px).
    expect(Math.min(...fontSizes(svg))).to.be.at.least(14)
    expect(svg).to.include('temperature (°C) · 300 readings').and.include('co2 (ppm) · 320 readings')
    expect(svg).to.include('2015-02-04 17:51').and.include(' UTC')
  })

  it('draws the thumbnail at twice the card’s 12:5 image box, with one series: the one with the most readings', async () => {
    const meta = await sharp(await renderThumbnail(office)).metadata()
    expect(meta).to.include({ format: 'png', width: THUMBNAIL_SIZE.width * PIXEL_RATIO, height: THUMBNAIL_SIZE.height * PIXEL_RATIO })
    expect(THUMBNAIL_SIZE.width / THUMBNAIL_SIZE.height).to.equal(12 / 5)
    const svg = thumbnailSvg(office)
    expect(polygons(svg)).to.have.length(1)
    expect(svg).to.include('co2 (ppm)').and.include('+2 series')
    expect(svg).not.to.include('temperature').and.not.to.include('humidity')
    // Its value range: the series' minimum and maximum label the axis.
    expect(svg).to.include('>700<').and.include('>1019<')
    // ≥ 15 CSS px: ≥ 12 px on the narrowest card (about 300 px).
    expect(Math.min(...fontSizes(svg))).to.be.at.least(15)
    // With equal counts, the first series; a single series says nothing of others.
    expect(thumbnailSeriesIndex(office.slice(0, 2))).to.equal(0)
    expect(thumbnailSvg(office.slice(1, 2)))
      .to.include('humidity (%)')
      .and.not.include('series')
  })

  it('draws real glyphs in the thumbnail’s label (a font is installed), not placeholder boxes', async () => {
    // Without a font every character renders as the same box, so equal-length labels would match.
    const region = { left: 0, top: 0, width: 200 * PIXEL_RATIO, height: 28 * PIXEL_RATIO }
    const label = async (text: string): Promise<Buffer> =>
      sharp(await renderThumbnail([{ ...office[0]!, label: text, unit: '' }]))
        .extract(region)
        .raw()
        .toBuffer()
    const [narrow, wide, blank] = await Promise.all([label('IIII'), label('MMMM'), label('')])
    expect(narrow.equals(blank)).to.equal(false)
    expect(narrow.equals(wide)).to.equal(false)
  })

  it('shows an envelope of time buckets, never the readings: at least two readings a bucket on average', () => {
    for (const n of [1, 2, 7, 40, 5000]) {
      const [outline] = polygons(thumbnailSvg([series('x', '', n, (i) => i % 3)]))
      // Each bucket is a step of two corners above and two below.
      const buckets = outline!.split(' ').length / 4
      expect(buckets, `${n} readings`).to.be.at.most(Math.max(1, Math.floor(n / 2)))
    }
    // A wide plot still has no more than one bucket per CSS pixel.
    const [outline] = polygons(previewSvg('t', [series('x', '', 100_000)]))
    expect(outline!.split(' ').length / 4).to.be.at.most(PREVIEW_WIDTH)
  })

  it('fits long titles and labels inside the image, escaping markup', () => {
    const long = 'a'.repeat(300)
    const svg = previewSvg(`<b>${long}</b>`, [series(`${long}&`, 'µg/m³', 10)])
    expect(svg).not.to.include('<b>')
    expect(svg).to.include('&lt;b&gt;').and.include('…')
    expect(thumbnailSvg([series(long, 'µg/m³', 10)])).to.include('…')
  })
})

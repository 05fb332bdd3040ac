import { expect } from 'chai'
import sharp from 'sharp'

// Smoke test for the preview stage's renderer: SVG (with text) to PNG through libvips.
describe('sharp', () => {
  const svg = (label: string): Buffer =>
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">
        <rect width="400" height="200" fill="#ffffff"/>
        <polyline points="0,150 100,80 200,120 300,40 400,90" fill="none" stroke="#1f6feb" stroke-width="4"/>
        <text x="10" y="30" font-family="DejaVu Sans" font-size="22" fill="#000000">${label}</text>
      </svg>`,
    )

  it('renders an SVG chart to a PNG of the same size', async () => {
    const png = await sharp(svg('PM2.5 µg/m³')).png().toBuffer()
    expect(png.subarray(1, 4).toString('latin1')).to.equal('PNG')
    const meta = await sharp(png).metadata()
    expect(meta).to.include({ format: 'png', width: 400, height: 200 })
  })

  it('draws real glyphs (a font is installed), not placeholder boxes', async () => {
    // Without a font every character renders as the same box, so equal-length labels would match.
    const region = { left: 0, top: 0, width: 200, height: 40 }
    const narrow = await sharp(svg('IIII')).extract(region).raw().toBuffer()
    const wide = await sharp(svg('MMMM')).extract(region).raw().toBuffer()
    const blank = await sharp(svg('')).extract(region).raw().toBuffer()
    expect(narrow.equals(blank)).to.equal(false)
    expect(narrow.equals(wide)).to.equal(false)
  })
})

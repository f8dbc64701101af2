import { describe, expect, it } from 'vitest'
import { barChart, formatSi, lineChart } from './svg.js'

describe('charts', () => {
  it('draws one bar per row of the first unit only', () => {
    const svg = barChart('t', [
      { case: 'a', value: 1, unit: 'ms' },
      { case: 'b', value: 2, unit: 'ms' },
      { case: 'c', value: 3, unit: 'MB' },
    ])
    expect(svg.match(/<rect x=/g)?.length).toBe(2)
  })

  it('draws one path per series, with the names escaped in the legend', () => {
    const svg = lineChart('RSS', 's', 'MB', [
      {
        name: 'a<b',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: 2 },
        ],
      },
      { name: 'c', points: [{ x: 0, y: 3 }] },
    ])
    expect(svg.match(/<path /g)?.length).toBe(2)
    expect(svg).toContain('a&lt;b')
  })

  it('draws dashed reference lines with their labels, and dots when asked', () => {
    const svg = lineChart(
      'fill',
      's',
      'samples',
      [
        {
          name: 'q',
          dots: true,
          points: [
            { x: 0, y: 10 },
            { x: 1, y: 50 },
          ],
        },
      ],
      {
        hLines: [
          { y: 40, label: '80 %' },
          { y: 47.5, label: '95 %' },
        ],
      },
    )
    expect(svg.match(/stroke-dasharray/g)?.length).toBe(2)
    expect(svg).toContain('95 %')
    expect(svg.match(/<circle /g)?.length).toBe(2)
  })

  it('starts the y axis at yMin when given, so a signal around 500 fills the plot', () => {
    const svg = lineChart(
      's',
      'x',
      'y',
      [
        {
          name: 'v',
          points: [
            { x: 0, y: 500 },
            { x: 1, y: 600 },
          ],
        },
      ],
      {
        yMin: 450,
      },
    )
    expect(svg).toContain('>450<')
    expect(svg).not.toContain('>0<')
  })

  it('formats numbers with an SI suffix', () => {
    expect(formatSi(5_230_000)).toBe('5.23 M')
    expect(formatSi(12)).toBe('12.0')
  })
})

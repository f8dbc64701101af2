import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FORWARDER_DOCS_URL, renderSinkDocs, sinkTables } from './sink-docs.js'
import { sinkTypes } from './registry.js'

describe('sink docs', () => {
  it('has a settings table for the delivery settings and every registered sink type', () => {
    expect([...sinkTables().keys()]).toEqual(['delivery', ...sinkTypes.map((s) => s.type)])
    expect(sinkTables().get('http')).toContain('| `hmacSecret` | — |')
  })

  it('docs/forwarder.md holds the tables the registry makes (pnpm -F @sluice/forwarder gen:docs)', () => {
    const docs = readFileSync(FORWARDER_DOCS_URL, 'utf8')
    expect(renderSinkDocs(docs)).toBe(docs)
  })

  it('refuses docs that leave a sink type out', () => {
    expect(() => renderSinkDocs('no tables')).toThrow(
      /no <!-- sink-settings:… --> section for delivery/,
    )
  })
})

import { anomalyService } from '@sluice/anomaly'
import { dashboardService } from '@sluice/dashboard'
import { forwarderService } from '@sluice/forwarder'
import { CommonConfigSchema } from '@sluice/mesh'
import { serialBridgeService } from '@sluice/serial-bridge'
import { windowingService } from '@sluice/windowing'
import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { describeOptions, describeVariants, listOptions } from './help.js'

const schemas = {
  common: CommonConfigSchema,
  bridge: serialBridgeService.configSchema,
  window: windowingService.configSchema,
  anomaly: anomalyService.configSchema,
  forward: forwarderService.configSchema,
  dashboard: dashboardService.configSchema,
}

describe('service --help', () => {
  it('flattens nested options to dotted paths', () => {
    const schema = Type.Object({
      a: Type.Integer({ default: 1, description: 'An a.' }),
      b: Type.Object({ c: Type.String({ description: 'A c.' }) }),
    })
    expect(listOptions(schema).map((o) => o.path)).toEqual(['a', 'b.c'])
    expect(describeOptions(schema)[0]).toMatch(/^ {2}--a <integer> +An a\. \(default 1\)$/)
  })

  for (const [name, schema] of Object.entries(schemas)) {
    it(`describes every option of ${name}`, () => {
      const options = listOptions(schema)
      expect(options.length).toBeGreaterThan(0)
      const bare = options
        .filter((o) => (o.schema.description ?? '').trim() === '')
        .map((o) => o.path)
      expect(bare).toEqual([])
    })
  }
})

describe('service --help of a registry-made option', () => {
  it('lists the settings of every sink type and every detector, each once', () => {
    const forward = describeVariants(forwarderService.configSchema).join('\n')
    expect(forward).toContain('sinks, by type:')
    expect(forward).toMatch(/type: http .*\n(.*\n)*? {4}hmacSecret <string>/)
    const anomaly = describeVariants(anomalyService.configSchema).join('\n')
    expect(anomaly).toMatch(/name: zscore\n(.*\n)*? {4}window <integer>/)
    expect(anomaly).toContain('sensors: each entry as detector above.')
  })
})

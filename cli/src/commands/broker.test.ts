import { BrokerFlagsSchema } from '@sluice/broker'
import { describe, expect, it } from 'vitest'
import { BROKER_HELP } from './broker.js'

describe('sluice broker --help', () => {
  it('is generated from the schema: every flag, and the passwd form', () => {
    for (const key of Object.keys(BrokerFlagsSchema.properties))
      expect(BROKER_HELP).toContain(`--${key} `)
    expect(BROKER_HELP).toContain('sluice broker passwd <file> <user> <role> [instance]')
  })
})

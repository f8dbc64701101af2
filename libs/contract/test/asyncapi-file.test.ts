import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ASYNCAPI_YAML_PATH, renderAsyncApiYaml } from '../scripts/asyncapi-yaml.js'

describe('docs/asyncapi.yaml', () => {
  it('is up to date with the contract (run `pnpm --filter @sluice/contract gen:asyncapi`)', async () => {
    const committed = readFileSync(ASYNCAPI_YAML_PATH, 'utf8')
    expect(committed).toBe(await renderAsyncApiYaml())
  })
})

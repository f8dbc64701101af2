/**
 * @module scripts/gen-asyncapi
 * Writes `docs/asyncapi.yaml` from the contract. Run with `pnpm --filter @sluice/contract gen:asyncapi`.
 */
import { writeFileSync } from 'node:fs'
import { ASYNCAPI_YAML_PATH, renderAsyncApiYaml } from './asyncapi-yaml.js'

writeFileSync(ASYNCAPI_YAML_PATH, await renderAsyncApiYaml())
process.stdout.write(`wrote ${ASYNCAPI_YAML_PATH}\n`)

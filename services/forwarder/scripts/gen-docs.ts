/**
 * @module scripts/gen-docs
 * Rewrites the sink settings tables of `docs/forwarder.md` from the sink registry. Run with
 * `pnpm -F @sluice/forwarder gen:docs`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FORWARDER_DOCS_URL, renderSinkDocs } from '../src/sinks/sink-docs.js'

const path = fileURLToPath(FORWARDER_DOCS_URL)
writeFileSync(path, renderSinkDocs(readFileSync(path, 'utf8')))
process.stdout.write(`wrote ${path}\n`)

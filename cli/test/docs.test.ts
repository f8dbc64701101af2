/**
 * The project's own promises about its documentation: the README opens with the two commands CI runs,
 * and the architecture walk-through names files that exist.
 * (That docs/errors.md lists every error code is checked in errors-doc.test.ts.)
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('documentation', () => {
  it('opens the README with the run command and the test command that CI runs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter((l) => l !== '')
    expect(commands).toHaveLength(2)
    expect(commands[0]).toContain('pnpm start')
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8')
    expect(ci).toContain('SLUICE_REQUIRE_EXTERNAL=1')
    expect(ci.split('\n').map((l) => l.trim())).toContain(commands[1])
  })

  it('names in docs/architecture.md only files that exist', () => {
    const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')
    const paths = [...doc.matchAll(/`((?:libs|services|broker|cli|firmware)\/[^`\s]+)`/g)].map(
      (m) => m[1]!,
    )
    expect(paths.length).toBeGreaterThan(30)
    const missing = paths.filter((p) => !existsSync(join(root, p.replace(/\/$/, ''))))
    expect(missing).toEqual([])
  })
})

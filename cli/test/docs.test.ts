/**
 * The project's own promises about its documentation: every error code in the sources is listed in
 * docs/errors.md, and the README opens with the two commands CI runs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) sources(p, out)
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && p.includes('/src/')) out.push(p)
  }
  return out
}

describe('documentation', () => {
  it('lists every error code of the sources in docs/errors.md', () => {
    const codes = new Set<string>()
    for (const dir of ['libs', 'services', 'broker', 'cli', 'firmware']) {
      for (const file of sources(join(root, dir))) {
        const code = readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => !/^\s*(\*|\/\/)/.test(l)) // examples in comments are not codes
          .join('\n')
        for (const m of code.matchAll(/['"`](SLUICE_ERR_[A-Z0-9_]+)['"`]/g)) codes.add(m[1]!)
      }
    }
    expect(codes.size).toBeGreaterThan(10)
    const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
    const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort()
    expect(missing).toEqual([])
  })

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
})

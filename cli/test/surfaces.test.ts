/**
 * Each package's `src/index.ts` is its public surface (issue 12, item 4; STYLE.md, nats.js's `mod.ts`):
 * every name it exports is imported by another package (src, tests, bench, cli, firmware) or by the
 * package's own `main.ts`. What only the package's own tests use lives in `src/internal.ts` or its module
 * file. `npx tsx cli/test/surfaces.ts --verbose` prints the counts and who imports what.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { measureSurface, scanImports, scannedFiles, surfacePackages } from './surfaces.js'

const imports = scanImports(scannedFiles())

describe('package surfaces', () => {
  for (const pkg of surfacePackages()) {
    it(`${pkg.name} exports from index.ts only names other packages or its main.ts import`, () => {
      const internalOnly = measureSurface(pkg, imports)
        .filter((u) => u.publicUsers.length === 0)
        .map((u) => `${u.name} (${u.ownUsers.join(', ') || 'unused'})`)
      expect(internalOnly).toEqual([])
    })

    it(`${pkg.name}'s internal.ts, if any, re-exports the public surface`, () => {
      const internal = join(pkg.dir, 'src', 'internal.ts')
      if (existsSync(internal))
        expect(readFileSync(internal, 'utf8')).toContain("export * from './index.js'")
    })
  }
})

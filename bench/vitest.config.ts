import { sluiceVitestConfig } from '../vitest.shared.js'

export default sluiceVitestConfig({ include: ['lib/**/*.test.ts'] })

import { sluiceVitestConfig } from '../../vitest.shared.js'

export default sluiceVitestConfig()

#!/usr/bin/env node
import { runService } from '@sluice/mesh'
import { anomalyService } from './index.js'

runService(anomalyService)

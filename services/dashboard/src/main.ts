#!/usr/bin/env node
import { runService } from '@sluice/mesh'
import { dashboardService } from './index.js'

runService(dashboardService)

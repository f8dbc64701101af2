#!/usr/bin/env node
import { runService } from '@sluice/mesh'
import { windowingService } from './index.js'

runService(windowingService)

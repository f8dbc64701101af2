#!/usr/bin/env node
import { runService } from '@sluice/mesh'
import { forwarderService } from './index.js'

runService(forwarderService)

#!/usr/bin/env -S node --max-semi-space-size=1
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));

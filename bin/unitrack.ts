#!/usr/bin/env node
// The `unitrack` command. The package runs the build of this file (dist/bin/unitrack.js); the
// checkout runs it as it is on Node 24 (type stripping).
import { main } from '../cli/cli.ts';

process.exitCode = await main(process.argv.slice(2));

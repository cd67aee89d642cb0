#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping; this shim only starts it.
import { main } from '../collector/cli.ts';

process.exitCode = await main(process.argv.slice(2));

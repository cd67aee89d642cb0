#!/usr/bin/env -S node --max-semi-space-size=16
// The `unitrack` command. The package runs the build of this file (dist/bin/unitrack.js); the
// checkout runs it as it is on Node 24 (type stripping). The young generation is capped at 16 MB
// semi-spaces: under a collector's steady allocation V8 otherwise grows it to 2 × 64 MB, which no
// run time API can change (bench/README.md, "Collector memory"); scavenges stay cheap at 16.
import { main } from '../cli/cli.ts';

process.exitCode = await main(process.argv.slice(2));

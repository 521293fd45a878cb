#!/usr/bin/env node
// Entry point for the `strowger` command.
//
// The TypeScript sources are bundled by esbuild into one ES module, dist/bundle/strowger.mjs, at
// every start (about 0.2 s, so the bundle is never older than src/), and that module runs. It
// costs about 20% less CPU per call than running the sources through tsx's loader, whose
// keepNames transform turns every named closure the hot paths create into an extra
// Object.defineProperty call (test/bench/calls-sipp.ts: 1.83 vs 2.27 ms of server CPU per call
// at 500 calls/s, same machine, same hour). Source maps are inline and enabled, so stack traces
// name src/ files and lines.
//
// STROWGER_TSX=1 runs the sources through tsx instead (no bundle), as the tests do.
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function load() {
  if (process.env.STROWGER_TSX === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    return import('../src/cli.ts');
  }
  const { buildSync } = await import('esbuild');
  // dist/bundle/ sits two levels below the root, like src/codec/, so the addon path that
  // src/codec/native.ts resolves against import.meta.url stays right.
  const out = join(root, 'dist', 'bundle', 'strowger.mjs');
  const tmp = `${out}.${process.pid}.tmp`;
  mkdirSync(dirname(out), { recursive: true });
  buildSync({
    entryPoints: [join(root, 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    outfile: tmp,
    logLevel: 'error',
  });
  renameSync(tmp, out); // atomic: two servers starting at once never read half a file
  process.setSourceMapsEnabled(true);
  return import(pathToFileURL(out).href);
}

const { runCli } = await load();
const code = await runCli(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;

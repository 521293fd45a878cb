/**
 * Keeps the layer table of ../shared/design/architecture.md honest: every relative import in src/
 * must point to a folder the importing layer may use.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../src');

// layer -> layers it may import (itself always allowed)
const ALLOWED: Record<string, string[]> = {
  util: [],
  config: ['util'],
  sip: ['util'],
  sdp: ['util'],
  codec: ['util'],
  media: ['codec', 'util'],
  core: ['media', 'codec', 'util'],
  dialplan: ['core', 'config', 'util'],
  directory: ['core', 'config', 'util'],
  apps: ['core', 'media', 'codec', 'util'],
  'endpoints/sofia': ['sip', 'sdp', 'media', 'codec', 'core', 'directory', 'config', 'util'],
  console: ['core', 'util'],
};

function layerOf(file: string): string {
  const rel = relative(SRC, file).split('\\').join('/');
  if (rel.startsWith('endpoints/')) return rel.split('/').slice(0, 2).join('/');
  const top = rel.split('/')[0]!;
  return top.includes('.') ? '(root)' : top;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

describe('layering', () => {
  it('every src import respects the layer table', () => {
    const violations: string[] = [];
    for (const file of walk(SRC)) {
      const from = layerOf(file);
      if (from === '(root)') continue; // main.ts / cli.ts compose everything
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec || !spec.startsWith('.')) continue;
        const target = layerOf(resolve(dirname(file), spec));
        if (target === from) continue;
        const allowed = ALLOWED[from];
        if (!allowed) {
          violations.push(`${relative(SRC, file)}: unknown layer ${from}`);
        } else if (!allowed.includes(target)) {
          violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${target})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('only src/codec loads the native addon or the opus WASM module', () => {
    const offenders = walk(SRC)
      .filter((f) => layerOf(f) !== 'codec')
      .filter((f) => /strowger_native|@evan\/opus|native\/build/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});

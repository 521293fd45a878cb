/**
 * Resolves the `data` of `<X-PRE-PROCESS cmd="include" data="..."/>`: a path relative to the
 * including file's folder whose last segment may hold `*` and `?` wildcards. Matches are sorted by
 * name (FreeSWITCH uses glob(3), which sorts). Dot-files never match a wildcard.
 *
 * JSON is accepted wherever XML is: a pattern ending in `.xml` also matches the same name with a
 * `.json` suffix, so `external/*.xml` picks up `external/mygw.json` too.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** Wildcard match without regex: `*` any run, `?` one char. Iterative with one backtrack point. */
export function wildcardMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === name[n])) {
      p++;
      n++;
    } else if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

export interface IncludeResolution {
  files: string[];
  /** Set when a literal (wildcard-free) include names a file that does not exist. */
  missing?: string;
  /** Names present both as X.xml and X.json: ambiguous, reported as an error. */
  ambiguous: string[];
}

function stem(file: string): string {
  const b = basename(file);
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(0, dot) : b;
}

export function resolveInclude(fromDir: string, data: string): IncludeResolution {
  const full = isAbsolute(data) ? data : resolve(fromDir, data);
  const dir = dirname(full);
  const last = basename(full);
  if (hasWildcard(dir)) {
    return { files: [], missing: `${data} (wildcards are only allowed in the file name)`, ambiguous: [] };
  }
  if (!hasWildcard(last)) {
    if (existsSync(full) && statSync(full).isFile()) return { files: [full], ambiguous: [] };
    return { files: [], missing: full, ambiguous: [] };
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { files: [], ambiguous: [] };
  const patterns = [last];
  if (last.endsWith('.xml')) patterns.push(`${last.slice(0, -4)}.json`);
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith('.') && patterns.some((p) => wildcardMatch(p, n)))
    .sort();
  const files = names.map((n) => join(dir, n)).filter((f) => statSync(f).isFile());
  const seen = new Map<string, number>();
  for (const f of files) seen.set(stem(f), (seen.get(stem(f)) ?? 0) + 1);
  const ambiguous = patterns.length > 1 ? [...seen].filter(([, c]) => c > 1).map(([s]) => join(dir, s)) : [];
  return { files, ambiguous };
}

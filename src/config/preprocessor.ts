/**
 * FreeSWITCH's XML preprocessor, applied to XML and JSON alike:
 *   <X-PRE-PROCESS cmd="set" data="name=value"/>      define a global (unless overridden by --set)
 *   <X-PRE-PROCESS cmd="env-set" data="name=ENVVAR"/> define a global from the environment
 *   <X-PRE-PROCESS cmd="include" data="dir/*.xml"/>  splice files in (relative to this file)
 *   $${name}                                           expanded at load time ("" + warning if undefined)
 *   ${name}                                            left alone (run-time channel variable)
 * exec/exec-set/stun-set are refused: loading config never runs commands or touches the network.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrowgerError } from '../util/errors';
import { expandGlobals } from './globals';
import { resolveInclude } from './include-glob';
import { parseJsonWithLines } from './json-reader';
import { JsonMappingError, JsonToConfig } from './json-mapping';
import { displayPath, type ConfigProblems } from './problems';
import type { PreprocessContext, SourcePos } from './preprocess-context';
import type { ConfigNode } from './types';
import { readXml } from './xml-reader';

const MAX_INCLUDE_DEPTH = 32;

export interface PreprocessorOptions {
  /** Globals so far (built-ins + overrides); `set` adds to it. Mutated in place. */
  globals: Map<string, string>;
  /** Names fixed by --set: a `set` of the same name is ignored. */
  overrides: ReadonlySet<string>;
  problems: ConfigProblems;
  env?: NodeJS.ProcessEnv;
}

export class Preprocessor implements PreprocessContext {
  /** Every file read, in order (for reload diagnostics). */
  readonly files: string[] = [];
  readonly globals: Map<string, string>;
  private readonly overrides: ReadonlySet<string>;
  private readonly problems: ConfigProblems;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stack: string[] = [];

  constructor(opts: PreprocessorOptions) {
    this.globals = opts.globals;
    this.overrides = opts.overrides;
    this.problems = opts.problems;
    this.env = opts.env ?? process.env;
  }

  /** Reads an XML or JSON file (by extension) into its top-level nodes. */
  readFile(file: string): ConfigNode[] {
    let real: string;
    let text: string;
    try {
      real = realpathSync(file);
      text = readFileSync(real, 'utf8');
    } catch (e) {
      throw new StrowgerError('CONFIG_NOT_FOUND', `${displayPath(file)}: ${(e as Error).message}`, { file });
    }
    if (this.stack.includes(real)) {
      throw new StrowgerError('CONFIG_INVALID', `include cycle: ${[...this.stack, real].map(displayPath).join(' -> ')}`);
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      throw new StrowgerError('CONFIG_INVALID', `${displayPath(file)}: includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
    }
    this.stack.push(real);
    this.files.push(file);
    try {
      if (file.toLowerCase().endsWith('.json')) {
        const doc = parseJsonWithLines(text, file);
        try {
          return new JsonToConfig(file, this).document(doc);
        } catch (e) {
          if (e instanceof JsonMappingError) {
            throw new StrowgerError('CONFIG_INVALID', `${displayPath(file)}:${e.line}: ${e.message}`, { file, line: e.line });
          }
          throw e;
        }
      }
      return readXml(file, text, this);
    } finally {
      this.stack.pop();
    }
  }

  expand(text: string, at: SourcePos): string {
    const r = expandGlobals(text, this.globals);
    for (const name of r.undefinedNames) {
      this.problems.warn(at, `undefined global variable $\${${name}} expanded to ""`);
    }
    if (r.unterminated) this.problems.warn(at, `unterminated "$\${" left as written`);
    return r.text;
  }

  directive(attrs: Record<string, string>, at: SourcePos): ConfigNode[] {
    const cmd = (attrs.cmd ?? '').toLowerCase();
    const data = attrs.data ?? '';
    switch (cmd) {
      case 'set':
      case 'env-set': {
        const eq = data.indexOf('=');
        const name = eq > 0 ? data.slice(0, eq).trim() : '';
        if (!name) {
          this.problems.error(at, `X-PRE-PROCESS ${cmd} expects data="name=value", got "${data}"`);
          return [];
        }
        let value = data.slice(eq + 1);
        if (cmd === 'env-set') {
          const envName = value.trim();
          const envValue = this.env[envName];
          if (envValue === undefined) this.problems.warn(at, `env-set ${name}: environment variable ${envName} is not set, using ""`);
          value = envValue ?? '';
        }
        if (this.overrides.has(name)) return []; // --set wins over the config file
        this.globals.set(name, value);
        return [];
      }
      case 'include': {
        if (!data.trim()) {
          this.problems.error(at, 'X-PRE-PROCESS include without data');
          return [];
        }
        const r = resolveInclude(dirname(at.file), data.trim());
        if (r.missing) {
          this.problems.error(at, `include: no such file ${displayPath(r.missing)}`);
          return [];
        }
        for (const a of r.ambiguous) {
          this.problems.error(at, `include: both ${displayPath(a)}.xml and .json exist; keep one`);
        }
        const out: ConfigNode[] = [];
        for (const f of r.files) out.push(...this.readFile(f));
        return out;
      }
      case 'exec':
      case 'exec-set':
      case 'stun-set':
      case 'exec-include':
        this.problems.error(at, `X-PRE-PROCESS cmd="${cmd}" is not supported (config loading never runs commands or uses the network)`);
        return [];
      default:
        this.problems.error(at, `X-PRE-PROCESS: unknown cmd "${attrs.cmd ?? ''}" (expected set, env-set or include)`);
        return [];
    }
  }
}

/**
 * Reading dialplan files without the whole conf/ (tests, tools, an alternate dialplan file):
 * each file goes through src/config's preprocessor (X-PRE-PROCESS, $${globals}, XML or JSON by
 * extension), then buildDialplan. At startup the dialplan comes from StrowgerConfig.dialplan
 * instead (loadConfig reads conf/dialplan/*.xml|json), see dialplanFromConfig.
 */
import { ConfigProblems, type ConfigNode, type StrowgerConfig } from '../config';
import { Preprocessor } from '../config/preprocessor';
import { buildDialplan } from './build-model';
import type { DialplanModel } from './model';

export interface LoadDialplanOptions {
  /** Globals for $${name} (default: none, so $${x} expands to "" with a warning). */
  globals?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

function toMap(g: LoadDialplanOptions['globals']): Map<string, string> {
  if (!g) return new Map();
  if (g instanceof Map) return new Map(g);
  return new Map(Object.entries(g as Record<string, string>));
}

/** The config trees of the given files, in order (errors thrown as one CONFIG_INVALID). */
export function readDialplanNodes(files: readonly string[], opts: LoadDialplanOptions = {}): { nodes: ConfigNode[]; warnings: string[] } {
  const problems = new ConfigProblems();
  const pre = new Preprocessor({ globals: toMap(opts.globals), overrides: new Set(), problems });
  const nodes: ConfigNode[] = [];
  for (const f of files) nodes.push(...pre.readFile(f));
  problems.throwIfErrors();
  return { nodes, warnings: problems.warningTexts() };
}

/** Load a dialplan model from XML and/or JSON files. */
export function loadDialplanFiles(files: readonly string[], opts: LoadDialplanOptions = {}): DialplanModel {
  const { nodes, warnings } = readDialplanNodes(files, opts);
  const model = buildDialplan(nodes);
  model.warnings.unshift(...warnings);
  return model;
}

/** The model of a loaded configuration's conf/dialplan/. */
export function dialplanFromConfig(config: Pick<StrowgerConfig, 'dialplan'>): DialplanModel {
  return buildDialplan(config.dialplan);
}

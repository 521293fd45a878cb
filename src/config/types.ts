/**
 * The contract between src/config/ and the loaders built on it (profiles, directory, dialplan).
 *
 * Every config file, XML or JSON, is read into the same tree of ConfigNodes after preprocessing
 * (X-PRE-PROCESS set/include, $${global} expansion). Each node remembers where it came from so a
 * bad value is reported as "file:line: <what is wrong>".
 */
export interface ConfigNode {
  /** Element name, e.g. 'profile', 'param', 'extension', 'condition'. */
  name: string;
  /** Attributes after $${var} expansion. */
  attrs: Record<string, string>;
  children: ConfigNode[];
  /** Text content (trimmed), if any. */
  text?: string;
  /** Source file (absolute path) and 1-based line of the element's start. */
  file: string;
  line: number;
}

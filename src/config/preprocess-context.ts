/**
 * What the XML and JSON readers need from the preprocessor while they build ConfigNodes in
 * document order, so a `set` affects every later line and an include splices nodes in place.
 */
import type { ConfigNode } from './types';

export interface SourcePos {
  file: string;
  line: number;
}

export interface PreprocessContext {
  /** Expands `$${name}` in an attribute value or text found at `at`. */
  expand(text: string, at: SourcePos): string;
  /**
   * Runs `<X-PRE-PROCESS cmd=... data=.../>` (attributes already expanded). Returns the nodes to
   * splice where the directive stood: the included documents for `include`, [] otherwise.
   */
  directive(attrs: Record<string, string>, at: SourcePos): ConfigNode[];
}

export const DIRECTIVE = 'X-PRE-PROCESS';

/** Containers whose children replace them when they are the root of a file. */
export const TRANSPARENT_ROOTS: ReadonlySet<string> = new Set(['include']);

/**
 * Collects configuration errors and warnings so one startup reports every mistake of a file at
 * once ("file:line: message"), instead of stopping at the first.
 */
import { relative, isAbsolute } from 'node:path';
import { StrowgerError } from '../util/errors';
import type { ConfigNode } from './types';

/** Path as shown to humans: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function where(at: { file: string; line: number }): string {
  return `${displayPath(at.file)}:${at.line}`;
}

export interface ConfigProblem {
  file: string;
  line: number;
  message: string;
}

export class ConfigProblems {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  error(at: { file: string; line: number }, message: string): void {
    this.errors.push({ file: at.file, line: at.line, message });
  }

  warn(at: { file: string; line: number }, message: string): void {
    this.warnings.push({ file: at.file, line: at.line, message });
  }

  static format(p: ConfigProblem): string {
    return `${where(p)}: ${p.message}`;
  }

  warningTexts(): string[] {
    return this.warnings.map(ConfigProblems.format);
  }

  /** Throws CONFIG_INVALID listing every error collected so far (sorted by file, then line). */
  throwIfErrors(): void {
    if (this.errors.length === 0) return;
    const sorted = [...this.errors].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    const lines = sorted.map(ConfigProblems.format);
    const head = sorted.length === 1 ? lines[0]! : `${sorted.length} configuration errors:\n  ${lines.join('\n  ')}`;
    throw new StrowgerError('CONFIG_INVALID', head, { errors: sorted });
  }
}

/** A node's attribute, or undefined when absent. Attribute names are matched exactly. */
export function attr(node: ConfigNode, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(node.attrs, name) ? node.attrs[name] : undefined;
}

export function childrenNamed(node: ConfigNode, name: string): ConfigNode[] {
  return node.children.filter((c) => c.name === name);
}

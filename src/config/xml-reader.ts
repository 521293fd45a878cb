/**
 * XML -> ConfigNode with file and line on every node, using saxes (a non-backtracking streaming
 * parser). Preprocessing runs as the parser advances, so it follows document order exactly like
 * FreeSWITCH's line-by-line preprocessor. Unlike FreeSWITCH, an X-PRE-PROCESS inside an XML
 * comment is ignored (FreeSWITCH executes it; its vars.xml warns users about that trap).
 */
import { SaxesParser } from 'saxes';
import { StrowgerError, isStrowgerError } from '../util/errors';
import { displayPath } from './problems';
import { DIRECTIVE, TRANSPARENT_ROOTS, type PreprocessContext } from './preprocess-context';
import type { ConfigNode } from './types';

interface Frame {
  node: ConfigNode;
  text: string;
  /** Inside an X-PRE-PROCESS element: children are dropped. */
  skip: boolean;
}

/** Parses one XML document. Returns its top-level nodes (an `<include>` root is unwrapped). */
export function readXml(file: string, text: string, ctx: PreprocessContext): ConfigNode[] {
  const parser = new SaxesParser({ fileName: displayPath(file), position: true });
  const root: ConfigNode = { name: '#document', attrs: {}, children: [], file, line: 1 };
  const stack: Frame[] = [{ node: root, text: '', skip: false }];
  let startLine = 1;

  // saxes reports the position after the tag name's terminator (which may be a newline), so
  // the element's line is that of the nearest '<' before it (a tag name cannot contain '<').
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  parser.on('opentagstart', () => {
    startLine = lineAt(text.lastIndexOf('<', parser.position - 1));
  });
  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1]!;
    const at = { file, line: startLine };
    if (parent.skip) {
      stack.push({ node: parent.node, text: '', skip: true });
      return;
    }
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = ctx.expand(String(v), at);
    if (tag.name.toUpperCase() === DIRECTIVE) {
      parent.node.children.push(...ctx.directive(attrs, at));
      stack.push({ node: parent.node, text: '', skip: true });
      return;
    }
    const node: ConfigNode = { name: tag.name, attrs, children: [], file, line: startLine };
    parent.node.children.push(node);
    stack.push({ node, text: '', skip: false });
  });
  const onText = (t: string): void => {
    const top = stack[stack.length - 1]!;
    if (!top.skip && stack.length > 1) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    if (frame.skip) return;
    const trimmed = frame.text.trim();
    if (trimmed) frame.node.text = ctx.expand(trimmed, { file, line: frame.node.line });
  });

  try {
    parser.write(text).close();
  } catch (e) {
    if (isStrowgerError(e)) throw e;
    throw new StrowgerError('CONFIG_INVALID', (e as Error).message, { file });
  }
  const top = root.children;
  if (top.length === 1 && TRANSPARENT_ROOTS.has(top[0]!.name)) return top[0]!.children;
  return top;
}

/**
 * JSON -> the same ConfigNode tree the XML form produces (conf/README.md documents the mapping).
 *
 *   { "profile": { "name": "internal",                      <profile name="internal">
 *       "settings": { "sip-port": 5060 },                     <settings><param name="sip-port" value="5060"/></settings>
 *       "gateways": { "gw1": { "params": {...} } } } }        <gateways><gateway name="gw1"><params>...</params></gateway></gateways>
 *
 * Rules, per key of an element object:
 *  - scalar (string/number/boolean) -> attribute (numbers as written, booleans "true"/"false");
 *  - settings/params/variables -> wrapper of <param>/<variable name value/>: an object maps
 *    name -> value (or name -> {value, ...attrs}); an array lists {name, value, ...} objects;
 *  - a named container (gateways, aliases, domains, groups, users, profiles, network-lists) ->
 *    wrapper of singular children; an object maps key -> child with the key as its name (users:
 *    id) attribute; an array lists child objects (or plain strings = names);
 *  - an unwrapped plural (extensions, conditions, actions, anti-actions, regexes, nodes) ->
 *    repeated singular children directly under the element, no wrapper (as the XML dialplan);
 *  - any other object -> one child element named by the key; an array of objects -> several;
 *  - "#text" -> the element's text; "X-PRE-PROCESS" -> {cmd, data} directive(s), run in place.
 * A file's top-level object lists its top-level elements: { "profile": {...} }.
 */
import type { JsonEntry, JsonNode } from './json-reader';
import { DIRECTIVE, type PreprocessContext } from './preprocess-context';
import type { ConfigNode } from './types';

const PARAM_CONTAINERS: Record<string, string> = { settings: 'param', params: 'param', variables: 'variable' };

const NAMED_CONTAINERS: Record<string, { child: string; key: string }> = {
  gateways: { child: 'gateway', key: 'name' },
  aliases: { child: 'alias', key: 'name' },
  domains: { child: 'domain', key: 'name' },
  groups: { child: 'group', key: 'name' },
  users: { child: 'user', key: 'id' },
  profiles: { child: 'profile', key: 'name' },
  'network-lists': { child: 'list', key: 'name' },
};

const UNWRAPPED_PLURALS: Record<string, string> = {
  extensions: 'extension',
  conditions: 'condition',
  actions: 'action',
  'anti-actions': 'anti-action',
  antiActions: 'anti-action',
  regexes: 'regex',
  nodes: 'node',
};

export class JsonMappingError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function scalarText(v: JsonNode): string | undefined {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'number':
      return v.raw;
    case 'boolean':
      return v.value ? 'true' : 'false';
    default:
      return undefined;
  }
}

export class JsonToConfig {
  constructor(
    private readonly file: string,
    private readonly ctx: PreprocessContext,
  ) {}

  /** The top-level object of a file -> its top-level nodes. */
  document(doc: JsonNode): ConfigNode[] {
    if (doc.kind !== 'object') throw new JsonMappingError(doc.line, 'a JSON config file must hold an object, e.g. { "profile": { ... } }');
    const holder = this.node('#document', doc.line);
    for (const e of doc.entries) this.entry(holder, e);
    if (holder.attrs && Object.keys(holder.attrs).length > 0) {
      throw new JsonMappingError(doc.line, `top-level keys must name elements, found scalar "${Object.keys(holder.attrs)[0]}"`);
    }
    const top = holder.children;
    if (top.length === 1 && top[0]!.name === 'include') return top[0]!.children;
    return top;
  }

  private node(name: string, line: number): ConfigNode {
    return { name, attrs: {}, children: [], file: this.file, line };
  }

  private expand(text: string, line: number): string {
    return this.ctx.expand(text, { file: this.file, line });
  }

  /** Builds element `name` from an object value. */
  private element(name: string, v: JsonNode, line: number): ConfigNode {
    if (v.kind !== 'object') throw new JsonMappingError(v.line, `"${name}" must be an object`);
    const n = this.node(name, line);
    for (const e of v.entries) this.entry(n, e);
    return n;
  }

  private entry(parent: ConfigNode, e: JsonEntry): void {
    const { key, value: v, line } = e;
    if (key === DIRECTIVE) {
      const items = v.kind === 'array' ? v.items : [v];
      for (const item of items) {
        if (item.kind !== 'object') throw new JsonMappingError(item.line, `${DIRECTIVE} takes {"cmd": ..., "data": ...}`);
        const attrs: Record<string, string> = {};
        for (const a of item.entries) {
          const s = scalarText(a.value);
          if (s === undefined) throw new JsonMappingError(a.line, `${DIRECTIVE} "${a.key}" must be a string`);
          attrs[a.key] = this.expand(s, a.line);
        }
        parent.children.push(...this.ctx.directive(attrs, { file: this.file, line: item.line }));
      }
      return;
    }
    if (key === '#text') {
      const s = scalarText(v);
      if (s === undefined) throw new JsonMappingError(line, '"#text" must be a string');
      parent.text = this.expand(s, line);
      return;
    }
    const s = scalarText(v);
    if (s !== undefined) {
      parent.attrs[key] = this.expand(s, line);
      return;
    }
    if (v.kind === 'null') throw new JsonMappingError(line, `"${key}" is null; remove the key instead`);
    const paramChild = PARAM_CONTAINERS[key];
    if (paramChild) {
      parent.children.push(this.paramContainer(key, paramChild, v, line));
      return;
    }
    const named = NAMED_CONTAINERS[key];
    if (named) {
      parent.children.push(this.namedContainer(key, named.child, named.key, v, line));
      return;
    }
    const plural = UNWRAPPED_PLURALS[key];
    if (plural) {
      parent.children.push(...this.list(plural, 'name', v, line));
      return;
    }
    if (v.kind === 'object') {
      parent.children.push(this.element(key, v, line));
      return;
    }
    if (v.kind === 'array') {
      for (const item of v.items) parent.children.push(this.element(key, item, item.line));
    }
  }

  private paramContainer(key: string, child: string, v: JsonNode, line: number): ConfigNode {
    const wrapper = this.node(key, line);
    if (v.kind === 'object') {
      for (const e of v.entries) {
        const p = this.node(child, e.line);
        p.attrs.name = this.expand(e.key, e.line);
        const s = scalarText(e.value);
        if (s !== undefined) {
          p.attrs.value = this.expand(s, e.line);
        } else if (e.value.kind === 'object') {
          for (const a of e.value.entries) this.entry(p, a);
        } else {
          throw new JsonMappingError(e.line, `${child} "${e.key}" must be a string, number, boolean or {"value": ...}`);
        }
        wrapper.children.push(p);
      }
    } else if (v.kind === 'array') {
      for (const item of v.items) wrapper.children.push(this.element(child, item, item.line));
    }
    return wrapper;
  }

  private namedContainer(key: string, child: string, keyAttr: string, v: JsonNode, line: number): ConfigNode {
    const wrapper = this.node(key, line);
    wrapper.children.push(...this.list(child, keyAttr, v, line));
    return wrapper;
  }

  /** An object keyed by name (or id) or an array of objects/strings -> children named `child`. */
  private list(child: string, keyAttr: string, v: JsonNode, line: number): ConfigNode[] {
    const out: ConfigNode[] = [];
    if (v.kind === 'object') {
      for (const e of v.entries) {
        if (e.key === DIRECTIVE) {
          const holder = this.node('#holder', e.line);
          this.entry(holder, e);
          out.push(...holder.children);
          continue;
        }
        const c = this.element(child, e.value, e.line);
        const k = this.expand(e.key, e.line);
        const existing = c.attrs[keyAttr];
        if (existing !== undefined && existing !== k) {
          throw new JsonMappingError(e.line, `${child} keyed "${k}" also sets ${keyAttr}="${existing}"`);
        }
        c.attrs = { [keyAttr]: k, ...c.attrs };
        out.push(c);
      }
      return out;
    }
    if (v.kind === 'array') {
      for (const item of v.items) {
        const s = scalarText(item);
        if (s !== undefined) {
          const c = this.node(child, item.line);
          c.attrs[keyAttr] = this.expand(s, item.line);
          out.push(c);
        } else {
          out.push(this.element(child, item, item.line));
        }
      }
      return out;
    }
    throw new JsonMappingError(line, `"${child}" list must be an object or an array`);
  }
}

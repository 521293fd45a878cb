/**
 * `$1..$N` / `${N}` capture substitution into action data (freeswitch-behaviour.md §5.2;
 * FreeSWITCH switch_perform_substitution). Runs while hunting, before variable expansion, so
 * `user/$1@${domain_name}` becomes `user/1001@${domain_name}` and `${domain_name}` is expanded when
 * the action executes.
 *
 *   $N, ${N}     capture N (multi-digit; $0 = whole match); a group that did not take part, a
 *                number past the last group, or no match at all -> ""
 *   $ + other    copied as written ("${var}", "$$", a trailing "$")
 */

/** Longest run of digits read as a group number (FreeSWITCH reads at most 9). */
const MAX_INDEX_DIGITS = 9;
/** FreeSWITCH treats group numbers above 256 as invalid. */
const MAX_GROUP = 256;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `match`: the RegExp result of the condition (null when it did not match). */
export function substituteCaptures(data: string, match: readonly (string | undefined)[] | null): string {
  if (data.indexOf('$') < 0) return data;
  let out = '';
  let i = 0;
  const n = data.length;
  while (i < n) {
    const c = data[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const brace = data[i + 1] === '{';
    let j = i + 1 + (brace ? 1 : 0);
    const digitsStart = j;
    while (j < n && j - digitsStart < MAX_INDEX_DIGITS && isDigit(data.charCodeAt(j))) j++;
    if (j === digitsStart || (brace && data[j] !== '}')) {
      // Not a capture reference: keep the '$' and go on with what follows it.
      out += '$';
      i++;
      continue;
    }
    const num = Number.parseInt(data.slice(digitsStart, j), 10);
    if (num <= MAX_GROUP && match) out += match[num] ?? '';
    i = brace ? j + 1 : j;
  }
  return out;
}

/**
 * The value FreeSWITCH stores for DP_MATCH / DP_REGEX_MATCH_n: every substring of the match
 * ($0 first) pushed onto one variable, so one value stays plain and several become
 * `ARRAY::v0|:v1|:...`. Groups that did not take part are skipped.
 */
export function captureArrayValue(match: readonly (string | undefined)[]): string | undefined {
  const values = match.filter((v): v is string => v !== undefined);
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  return `ARRAY::${values.join('|:')}`;
}

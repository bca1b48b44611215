/**
 * Member names that appear twice in one JSON object. `JSON.parse` silently keeps the last
 * one, while another parser on the way (a proxy, a log pipeline, a client library) may keep
 * the first: the two would then disagree about what was asked, for instance the amount of a
 * payment. I-JSON (RFC 7493) forbids duplicates; the API refuses them.
 */

interface Frame {
  /** The names seen so far; absent for an array. */
  readonly names?: Set<string>;
  /** True where the next string of this object is a member name, not a value. */
  expectingName: boolean;
}

/**
 * The first member name that appears twice in one object of `text`, or `undefined`.
 * Names are compared decoded: `"a"` and `"\u0061"` are the same name.
 *
 * @param text valid JSON (parse it first): the scan relies on it and checks nothing else
 */
export function duplicateMemberName(text: string): string | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      let escaped = false;
      while (text[end] !== '"') {
        if (text[end] === '\\') {
          escaped = true;
          end += 2;
        } else {
          end += 1;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.names && top.expectingName) {
        const name = escaped
          ? (JSON.parse(text.slice(i, end + 1)) as string)
          : text.slice(i + 1, end);
        if (top.names.has(name)) return name;
        top.names.add(name);
        top.expectingName = false;
      }
      i = end;
    } else if (char === '{') {
      stack.push({ names: new Set(), expectingName: true });
    } else if (char === '[') {
      stack.push({ expectingName: false });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack[stack.length - 1];
      if (top?.names) top.expectingName = true;
    }
  }
  return undefined;
}

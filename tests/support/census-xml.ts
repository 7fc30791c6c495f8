// Reads the census XML the export writes back into plain objects, so a test can check what a data officer submits.
// The file has elements and text only (no attributes, namespaces or mixed content), which is all this reader handles.

export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

export function parseXml(xml: string): XmlElement {
  const tokens = xml.replace(/<\?xml[^>]*\?>/, '').match(/<\/?[A-Za-z][A-Za-z0-9]*\s*\/?>|[^<]+/g) ?? [];
  const root: XmlElement = { name: '#document', text: '', children: [] };
  const stack = [root];
  for (const token of tokens) {
    if (token.startsWith('</')) {
      const closed = stack.pop()!;
      if (closed.name !== token.slice(2, -1).trim()) throw new Error(`</${closed.name}> expected, found ${token}`);
    } else if (token.startsWith('<')) {
      const element: XmlElement = { name: token.slice(1, -1).replace('/', '').trim(), text: '', children: [] };
      stack.at(-1)!.children.push(element);
      if (!token.endsWith('/>')) stack.push(element);
    } else if (token.trim()) {
      stack.at(-1)!.text += token.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  return root.children[0]!;
}

/** The direct children named `name`. */
export const all = (element: XmlElement, name: string) => element.children.filter((c) => c.name === name);
/** The text of the first child named `name`, or null. */
export const text = (element: XmlElement, name: string) => all(element, name)[0]?.text ?? null;
/** Each child's `Child` element with its LAchildID. */
export function childrenOf(message: XmlElement): Map<string, XmlElement> {
  return new Map(all(all(message, 'Children')[0]!, 'Child').map((child) => [text(all(child, 'ChildIdentifiers')[0]!, 'LAchildID')!, child]));
}

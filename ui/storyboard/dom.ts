/**
 * The only way the view makes DOM: elements by name, attributes by setAttribute, text by text nodes. Every string
 * from the server (prompts, names, lines, titles) may be hostile and becomes a text node or an attribute value, never
 * markup; there is no innerHTML anywhere in the view, and no attribute takes a URL from the data.
 */
export type Child = Node | string | null | undefined | false;

/** Attributes the view sets; URL-bearing ones (href, src) are absent on purpose: see setSource. */
export type Attrs = Partial<Record<'class' | 'id' | 'role' | 'tabindex' | 'title' | 'alt' | 'type' | 'lang' | `aria-${string}` | `data-${string}`, string>>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

/** A button with a click handler (Enter and Space work natively on buttons). */
export function button(label: Child, attrs: Attrs, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

const DATA_URI = /^data:(image\/jpeg|image\/png|video\/mp4|audio\/mp4|audio\/aac);base64,[A-Za-z0-9+/=]*$/;

/** The only place a src is set: a data: URI the view built itself from bytes it read (checked again here). */
export function setSource(node: HTMLImageElement | HTMLVideoElement, dataUri: string): void {
  if (!DATA_URI.test(dataUri)) throw new Error('refusing a source that is not a data: URI of a known media type');
  node.src = dataUri;
}

/** The page's interface strings, rendered once by the setup panel in the reader's language. */
let strings: Record<string, string> | undefined;

/** The string for `key` with each `{{name}}` replaced; the key itself when missing, so a gap shows. */
export function t(key: string, values: Record<string, string | number> = {}): string {
  strings ??= JSON.parse(document.getElementById('tl-strings')?.textContent ?? '{}') as Record<string, string>;
  return (strings[key] ?? key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** The page's language, for dates and lists. */
export const lang = () => document.documentElement.lang || 'en';

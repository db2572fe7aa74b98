/**
 * Makes a string from a remote server safe to keep as evidence: control
 * characters removed and length capped. It stays plain text; whoever shows it
 * escapes it as text, never as HTML.
 */
export function safeText(value: unknown, maxLength = 200): string {
  const text = String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/**
 * The guide is self-service: no page may send the reader to support as the way
 * forward. These phrases, per language, are how pages say it; the build and the
 * tests refuse any page that contains one.
 */
const DEAD_END_PHRASES: Record<string, readonly RegExp[]> = {
  en: [
    /contact(?:ing)?\s+(?:our\s+|the\s+)?support/i,
    /reach\s+out\s+to\s+(?:our\s+|the\s+)?support/i,
    /(?:open|file|submit|raise)\s+a\s+(?:support\s+)?ticket/i,
    /ask\s+(?:our\s+|the\s+)?support\s+(?:team\s+)?to\s+enable/i,
  ],
  es: [
    /(?:contacta|contacte|contactar|contactando)\s+(?:con\s+)?(?:el\s+|nuestro\s+)?(?:equipo\s+de\s+)?(?:soporte|asistencia)/i,
    /ponte\s+en\s+contacto\s+con\s+(?:el\s+|nuestro\s+)?(?:equipo\s+de\s+)?(?:soporte|asistencia)/i,
    /abre\s+un\s+ticket/i,
  ],
  it: [/contatta(?:re)?\s+(?:il\s+|l['’]\s*)?(?:supporto|assistenza)/i, /apri(?:re)?\s+un\s+ticket/i],
  de: [
    /(?:den\s+)?support\s+kontaktieren/i,
    /kontaktiere\s+(?:den\s+|unseren\s+)?support/i,
    /wende\s+dich\s+an\s+(?:den\s+|unseren\s+)?support/i,
    /(?:ein\s+)?ticket\s+(?:er)?öffnen/i,
  ],
};

/** The dead-end phrases found in `text`, checked against every language's list. */
export function findDeadEnds(text: string): string[] {
  const found: string[] = [];
  for (const patterns of Object.values(DEAD_END_PHRASES)) {
    for (const pattern of patterns) {
      const match = pattern.exec(text);
      if (match) found.push(match[0]);
    }
  }
  return found;
}

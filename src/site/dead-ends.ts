/**
 * The guide is self-service: no page may send the reader to support as the way
 * forward. These patterns, per language, catch the ways pages say it (contact,
 * get in touch with, reach out to, turn to, write to support; open a ticket);
 * the build and the tests refuse any page that contains one. Naming support
 * without sending the reader there ("Share with support") is fine.
 */
export const DEAD_END_PATTERNS = {
  en: [
    /\b(?:contact(?:ing)?|email(?:ing)?|call(?:ing)?|message|write\s+to|talk\s+to|speak\s+(?:to|with)|get\s+in\s+touch\s+with|reach\s+out\s+to|turn\s+to|ask)\s+(?:our\s+|the\s+|your\s+|a\s+)?(?:customer\s+|technical\s+|tech\s+)?(?:support|help\s*desk|customer\s+service)\b/i,
    /\b(?:open|file|submit|raise|create|log)\s+a\s+(?:support\s+)?(?:ticket|case)\b/i,
    /\bsupport@/i,
  ],
  es: [
    /\b(?:contacta|contacte|contacten|contactar|contactando|comun[ií]cate|comun[ií]quese|comunicarse|ponte\s+en\s+contacto|p[oó]ngase\s+en\s+contacto|escribe|escriba|llama|llame|habla|hable|acude|acuda|dir[ií]gete|dir[ií]jase)\s+(?:con\s+|a\s+|al\s+)?(?:el\s+|nuestro\s+|tu\s+|su\s+)?(?:equipo\s+de\s+)?(?:soporte|asistencia|atenci[oó]n\s+al\s+cliente|servicio\s+t[eé]cnico)\b/i,
    /\b(?:abre|abra|abrir|crea|cree|crear|env[ií]a|env[ií]e)\s+un\s+(?:ticket|caso|incidente)\b/i,
  ],
  it: [
    /\b(?:contatta(?:re|te)?|contatti|rivolg(?:iti|ersi|etevi|asi)|scrivi|scriva|scrivere|chiama|chiami|mettiti\s+in\s+contatto\s+con|si\s+metta\s+in\s+contatto\s+con)\s+(?:il\s+|l['’]\s*|al\s+|all['’]\s*|a\s+)?(?:nostro\s+|nostra\s+)?(?:team\s+di\s+)?(?:supporto|assistenza|servizio\s+clienti)\b/i,
    /\b(?:apri|apra|aprire)\s+un\s+(?:ticket|caso)\b/i,
  ],
  de: [
    /\b(?:kontaktiere(?:n\s+Sie)?|wende\s+dich\s+an|wenden\s+Sie\s+sich\s+an|melde\s+dich\s+beim|melden\s+Sie\s+sich\s+beim|schreib(?:e|en\s+Sie)?|frag(?:e|en\s+Sie)?)\s+(?:den\s+|unseren\s+|Ihren\s+|deinen\s+)?(?:technischen\s+)?(?:Support|Kundendienst|Kundensupport|Kundenservice)\b/i,
    /\b(?:Support|Kundendienst|Kundenservice)\s+(?:kontaktieren|anrufen|anschreiben)\b/i,
    /\b(?:ein(?:en)?\s+)?(?:Ticket|Supportfall)\s+(?:er)?öffnen\b/i,
  ],
} as const satisfies Record<string, readonly RegExp[]>;

/** The dead-end phrases found in `text`, checked against every language's patterns. */
export function findDeadEnds(text: string): string[] {
  const found: string[] = [];
  for (const patterns of Object.values(DEAD_END_PATTERNS)) {
    for (const pattern of patterns) {
      const match = pattern.exec(text);
      if (match) found.push(match[0]);
    }
  }
  return found;
}

/**
 * The API's error codes: a closed set, shared by the server and the browser
 * code that explains them. Every error answers `{ "error": { "code", "message", … } }`.
 */
export const API_ERROR_STATUS = {
  /** The domain is not a checkable branded link domain (`reason` says why). */
  invalid_domain: 400,
  /** The body or query does not have the documented shape. */
  invalid_request: 400,
  /** A change without a signed-in session. */
  sign_in_required: 401,
  /** A change from a page that is not this site's own. */
  forbidden_origin: 403,
  /** No such route or report. */
  not_found: 404,
  /** The domain is not one of the signed-in account's branded links. */
  domain_not_in_account: 404,
  /** HTTPS stays off until every step passes (`failing` lists what fails). */
  https_blocked: 409,
  /** The body is larger than the API accepts. */
  payload_too_large: 413,
  /** A change that is not `application/json`. */
  unsupported_media_type: 415,
  /** Too many requests (`retryAfterSeconds`, and a `Retry-After` header). */
  rate_limited: 429,
  /** Our fault: something broke on the server. */
  internal_error: 500,
  /** Too many checks running, or the account storage unreachable: try again shortly. */
  unavailable: 503,
} as const;

/** One of the API's error codes. */
export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** The JSON body of every API error. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; [detail: string]: unknown };
}

/** The one way to build an API error response. */
export function apiError(
  code: ApiErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  const body: ApiErrorBody = { error: { code, ...details, message } };
  return Response.json(body, { status: API_ERROR_STATUS[code], headers: { 'cache-control': 'no-store', ...headers } });
}

/** A 429 or 503 that says when to come back. */
export function retryLater(code: 'rate_limited' | 'unavailable', message: string, retryAfterSeconds: number): Response {
  return apiError(code, message, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
}

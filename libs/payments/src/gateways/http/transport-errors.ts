/**
 * How a transport failure is told apart: whether the request left the process (the one fact that decides FAILED vs
 * UNKNOWN for the caller) and a description of the error code that never quotes a secret.
 */
import type { Dispatcher } from 'undici';

/** Records whether undici handed the request to a connected socket — the moment before its first byte is written. */
export interface DispatchState {
  dispatched: boolean;
}

/**
 * undici calls `onRequestStart` (legacy `onConnect`) on a connected (and, for https, handshaken) socket immediately
 * before it writes the request line. Until then nothing of the request has left the process, whatever the error is.
 * If the inner handler aborts inside that callback (a caller signal that fired while connecting), undici does not
 * write either, so the flag is only set when the request really proceeds.
 */
export function trackDispatch(state: DispatchState): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context) {
        handler.onRequestStart?.(controller, context);
        if (!controller.aborted) state.dispatched = true;
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        handler.onResponseError?.(controller, error);
      },
    });
}

/** Human-readable reasons for the transport error codes seen in practice (the code itself is kept in the reason). */
const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers before the read timeout',
  UND_ERR_BODY_TIMEOUT: 'response body stalled past the read timeout',
  UND_ERR_SOCKET: 'connection closed by the other side',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken while writing',
  UND_ERR_ABORTED: 'request aborted',
  ABORT_ERR: 'request aborted',
  UND_ERR_CLOSED: 'client closed',
  UND_ERR_DESTROYED: 'client destroyed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter/longer than its content-length',
  UND_ERR_INFO: 'connection aborted',
};

/**
 * TLS alerts that a peer can only send during the handshake because it rejected a certificate. With TLS 1.3 the
 * client finishes its side of the handshake before the server has checked the client certificate, so undici may
 * already have handed the request to the socket when the server's alert arrives; the server's TLS layer never
 * passes application data on after rejecting the handshake, so the request was provably not processed. (Only reachable
 * for a client without a certificate talking to a server that demands one: with a certificate we pin TLS 1.2, see
 * createAgent, and a rejection then always fails the connect.)
 */
const HANDSHAKE_REJECTION_ALERT =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|CERTIFICATE_[A-Z_]+|UNKNOWN_CA|ACCESS_DENIED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|HANDSHAKE_FAILURE|PROTOCOL_VERSION|INSUFFICIENT_SECURITY)$/;

/** Server-certificate verification failures reported by Node's TLS client (always before any request byte). */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface ErrorFacts {
  code: string;
  message: string;
}

/**
 * Duck-typed on purpose: errors raised inside Node's own modules (tls, net) come from another realm under some
 * runtimes (jest's vm contexts), where `instanceof Error` is false.
 */
export function errorFacts(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) return { code: 'UNKNOWN', message: String(err) };
  const { code, name, message, errors } = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if ((typeof code !== 'string' || code.length === 0) && Array.isArray(errors) && errors.length > 0) {
    // net's happy-eyeballs (AggregateError) reports one error per address; the first is representative.
    return errorFacts(errors[0]);
  }
  return {
    code: typeof code === 'string' && code.length > 0 ? code : typeof name === 'string' && name ? name : 'UNKNOWN',
    message: typeof message === 'string' ? message : String(err),
  };
}

export function describeCode(code: string): string {
  if (DESCRIPTIONS[code]) return DESCRIPTIONS[code];
  if (code.startsWith('HPE_') || code === 'HTTPParserError') return 'unparsable response';
  if (TLS_VERIFY_CODES.has(code)) return 'server certificate rejected';
  if (HANDSHAKE_REJECTION_ALERT.test(code)) return 'TLS handshake rejected by the server (client certificate?)';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'TLS failure';
  if (code.startsWith('EAI_')) return 'DNS lookup failed';
  return 'transport failure';
}

/**
 * `requestSent` for a transport error. `false` only when provable:
 * - undici never handed the request to a socket (connect refused, DNS, connect timeout, TLS verification/handshake
 *   failure, dispatcher closed, aborted before it left), or
 * - the server's TLS layer rejected our client certificate (see HANDSHAKE_REJECTION_ALERT).
 * Anything else after dispatch (timeouts, resets, "other side closed", aborts, parser errors) is `true`: the bytes may
 * have reached the gateway, so the payment must go UNKNOWN and be read back.
 */
export function wasRequestSent(code: string, dispatched: boolean): boolean {
  if (!dispatched) return false;
  if (HANDSHAKE_REJECTION_ALERT.test(code)) return false;
  return true;
}

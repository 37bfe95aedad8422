import {
  Catch,
  HttpStatus,
  Inject,
  Logger,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
  type LoggerService,
} from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { PaymentsError } from '../domain/errors';
import { PAYMENTS_LOGGER } from '../payments.tokens';

/** The JSON body every PaymentsError is answered with. */
export interface PaymentsErrorBody {
  /** The HTTP status, repeated in the body like Nest's own error bodies. */
  statusCode: number;
  /** Stable, safe to switch on (`INVALID_INPUT`, `GATEWAY_DECLINED`, ...; see the README's Errors table). */
  code: string;
  message: string;
  /** The input field at fault (`amount`, `customer.email` ...), or null. */
  field: string | null;
  /** May the same request succeed later (gateway down, outcome unknown, another confirm in flight)? */
  retryable: boolean;
  /** The gateway's own code when the gateway said no (e.g. Toss `REJECT_CARD_COMPANY`), or null. */
  gatewayCode: string | null;
}

/** Express- and Fastify-shaped replies both have these two. */
interface HttpReply {
  status?(code: number): HttpReply;
  code?(code: number): HttpReply;
  send?(body: unknown): unknown;
  json?(body: unknown): unknown;
}

/** What `error` answers over HTTP: its own status (a malformed one is a 500) and the body above. */
export function paymentsErrorBody(error: PaymentsError): PaymentsErrorBody {
  return {
    statusCode: httpStatusOf(error),
    code: error.code,
    // Library messages never carry secrets, card numbers or billing keys (domain/errors.ts). The cause, the stack and
    // the gateway's own message stay out: they are not written for the caller.
    message: error.message,
    field: error.field ?? null,
    retryable: error.retryable,
    gatewayCode: error.gatewayCode ?? null,
  };
}

function httpStatusOf(error: PaymentsError): number {
  const status = error.httpStatus;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : HttpStatus.INTERNAL_SERVER_ERROR;
}

/**
 * Answers every PaymentsError with its own `httpStatus` (400 bad input, 402 declined, 404, 409 wrong state, 503
 * gateway trouble or outcome unknown ...) and a `PaymentsErrorBody`, instead of Nest's generic 500. Other exceptions
 * are not caught here and keep whatever handling the app has. PaymentsModule registers it app-wide
 * (`http.exceptionFilter`, default true); `app.useGlobalFilters(new PaymentsExceptionFilter())` or
 * `@UseFilters(PaymentsExceptionFilter)` apply it by hand. Logged without a stack: a 5xx at error level (it needs an
 * operator or is a gateway outage), a 4xx and a 501 at debug (the caller's mistake, answered).
 */
@Catch(PaymentsError)
export class PaymentsExceptionFilter implements ExceptionFilter<PaymentsError> {
  private readonly logger: LoggerService;

  constructor(@Optional() @Inject(PAYMENTS_LOGGER) logger?: LoggerService) {
    this.logger = logger ?? new Logger('PaymentsExceptionFilter');
  }

  catch(error: PaymentsError, host: ArgumentsHost): void | PaymentsError | Observable<never> {
    // Over RPC the error goes back to the transport's own handling, and GraphQL answers the error returned to it.
    if (host.getType() === 'rpc') return throwError(() => error);
    if (host.getType() !== 'http') return error;
    const body = paymentsErrorBody(error);
    this.log(body);
    const reply = host.switchToHttp().getResponse<HttpReply>();
    const answered = reply.status?.(body.statusCode) ?? reply.code?.(body.statusCode) ?? reply;
    if (answered.json) answered.json(body);
    else answered.send?.(body);
  }

  private log(body: PaymentsErrorBody): void {
    const line = `${body.statusCode} ${body.code}: ${body.message}`;
    // A 501 is the caller asking a gateway for what it does not offer (KISPG cash receipts): answered, not an incident.
    if (body.statusCode >= 500 && body.statusCode !== HttpStatus.NOT_IMPLEMENTED) this.logger.error(line);
    else this.logger.debug?.(line);
  }
}

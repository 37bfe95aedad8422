import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { PaymentsError } from 'nestjs-kr-payments';

/** What a client of the shop gets for any PaymentsError. */
export interface ShopErrorBody {
  code: string;
  message: string;
  /** The input field at fault (`amount`, `customer.email` ...), or null. */
  field: string | null;
  /** May the same request succeed later (gateway down, outcome unknown)? */
  retryable: boolean;
  /** The gateway's own code when the gateway said no (e.g. Toss `REJECT_CARD_COMPANY`), or null. */
  gatewayCode: string | null;
}

/**
 * Answers every PaymentsError with its own `httpStatus` (400 for bad input, 402 declined, 404, 409 wrong state,
 * 503 gateway trouble / outcome unknown ...) and a stable JSON body. Library messages never carry secrets, card
 * numbers or billing keys (domain/errors.ts), so they can be shown as they are. Other exceptions keep Nest's
 * default handling.
 */
@Catch(PaymentsError)
export class PaymentsExceptionFilter implements ExceptionFilter<PaymentsError> {
  private readonly logger = new Logger('Shop');

  catch(error: PaymentsError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error.httpStatus >= 500 && !error.retryable && error.code !== 'UNSUPPORTED_OPERATION') {
      // A non-retryable 5xx is our own setup (bad key, contract missing): it needs an operator. Retryable ones
      // (gateway down, outcome unknown, webhook early) are logged by the library where they happen; a 501 is the
      // caller asking a gateway for what it does not offer (KISPG cash receipts), answered and not an incident.
      this.logger.error(`${error.code}: ${error.message}`);
    }
    const body: ShopErrorBody = {
      code: error.code,
      message: error.message,
      field: error.field ?? null,
      retryable: error.retryable,
      gatewayCode: error.gatewayCode ?? null,
    };
    response.status(error.httpStatus).json(body);
  }
}

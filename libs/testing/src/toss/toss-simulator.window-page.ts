import {
  type WindowParams,
  WindowParamError,
  appendQuery,
  redirectAnswer,
  serveWindow,
  windowPage,
} from '../common/payment-window';
import type { ParsedRequest, SimulatorAnswer } from '../common/simulator-http';
import { TOSS_ERRORS } from './toss-simulator.errors';
import type { PaymentWindowInput, TossMethod } from './toss-simulator.model';

/**
 * Path of the clickable payment window. Its query is what `requestPayment` (JS SDK v2) takes, flattened:
 * `clientKey, orderId, orderName, amount` (the value, in KRW), `successUrl, failUrl`, and optionally `method` (default
 * CARD), `customerKey, customerName, taxFreeAmount`. GET shows the window; its buttons POST back to the same URL.
 */
export const TOSS_WINDOW_PATH = '/window/payments';

/**
 * What the failUrl gets for Decline and Abandon: a card company refusal, and the buyer closing the window (the code Toss
 * documents for a window canceled by the user).
 */
const DECLINE_CODE = 'REJECT_CARD_COMPANY';
const ABANDON_CODE = 'PAY_PROCESS_CANCELED';

/**
 * Serves the window. Approve authenticates the payment exactly as `TossSimulator.authenticatePayment` does and sends
 * the browser to successUrl with `paymentType, orderId, paymentKey, amount`; Decline and Abandon send it to failUrl
 * with `code, message, orderId` and leave nothing behind at Toss, as a window that never authenticated does.
 */
export function serveTossWindow(
  request: ParsedRequest,
  options: {
    clientKeys: readonly string[];
    authenticate: (input: PaymentWindowInput) => { paymentKey: string; orderId: string; amount: number };
  },
): SimulatorAnswer {
  return serveWindow(request, 'TossSimulator', {
    show: (params) => {
      const input = windowInput(params, options.clientKeys);
      return windowPage({
        gateway: 'Toss Payments',
        details: [
          ['Order', input.orderName],
          ['Order id', input.orderId],
          ['Amount', `${input.amount.toLocaleString('en-US')} KRW`],
          ['Method', input.method ?? 'CARD'],
        ],
        postTo: `${TOSS_WINDOW_PATH}?${new URLSearchParams(params.fields()).toString()}`,
        note: 'Approve returns to successUrl; Decline and Abandon return to failUrl.',
      });
    },
    act: (action, params) => {
      const input = windowInput(params, options.clientKeys);
      const successUrl = params.url('successUrl');
      const failUrl = params.url('failUrl');
      if (action === 'approve') {
        const { paymentKey, orderId, amount } = options.authenticate(input);
        return redirectAnswer(
          appendQuery(successUrl, { paymentType: 'NORMAL', orderId, paymentKey, amount: String(amount) }),
        );
      }
      const code = action === 'decline' ? DECLINE_CODE : ABANDON_CODE;
      return redirectAnswer(appendQuery(failUrl, { code, message: TOSS_ERRORS[code].message, orderId: input.orderId }));
    },
  });
}

/** The window's parameters, checked before it opens (the SDK refuses to open a window with an unknown client key). */
function windowInput(params: WindowParams, clientKeys: readonly string[]): PaymentWindowInput {
  const clientKey = params.text('clientKey', 200);
  if (!clientKeys.includes(clientKey)) throw new WindowParamError('clientKey', 'is not a client key of this merchant');
  // Both return URLs are required by requestPayment; checked when the window is shown, not only on a click.
  params.url('successUrl');
  params.url('failUrl');
  return {
    clientKey,
    orderId: params.text('orderId', 64),
    orderName: params.text('orderName', 100),
    amount: params.amount('amount'),
    method: params.optionalText('method', 32) as TossMethod | undefined,
    customerKey: params.optionalText('customerKey', 300),
    customerName: params.optionalText('customerName', 100),
    taxFreeAmount: params.optionalAmount('taxFreeAmount'),
  };
}

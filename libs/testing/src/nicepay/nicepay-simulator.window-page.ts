import { type WindowParams, autoPostPage, serveWindow, windowPage } from '../common/payment-window';
import type { ParsedRequest, SimulatorAnswer } from '../common/simulator-http';
import type { NicePayWindowInput } from './nicepay-simulator.state';

/**
 * Path of the clickable payment window. Its query is what `AUTHNICE.requestPay` takes (the library's checkout
 * `fields`): `clientId, method, orderId, amount, goodsName, returnUrl`, and optionally `buyerName, buyerEmail,
 * buyerTel, mallReserved, vbankHolder, taxFreeAmt`. GET shows the window; its buttons POST back to the same URL.
 */
export const NICEPAY_WINDOW_PATH = '/window/payments';

/**
 * Decline: NicePay's code table has no window-decline code, so the simulator sends an invented one that says so
 * (a real declined window carries NicePay's own code; a shop must not branch on it). Abandon: I002, what NicePay
 * posts when the buyer closes the window.
 */
const DECLINE = { code: 'SIM-DECLINE', message: '카드사에서 승인을 거절하였습니다 (simulator)' };

export interface NicePayWindowHandlers {
  authenticate: (input: NicePayWindowInput) => Record<string, string>;
  authenticateFailure: (input: {
    clientId: string;
    orderId: string;
    amount: number;
    code?: string;
    message?: string;
  }) => Record<string, string>;
}

/**
 * Serves the window. Every click ends in the form POST to returnUrl the real window makes: Approve with exactly the
 * signed fields `NicePaySimulator.authenticate` returns, Decline and Abandon with `authenticateFailure`'s (no tid, no
 * signature).
 */
export function serveNicePayWindow(request: ParsedRequest, handlers: NicePayWindowHandlers): SimulatorAnswer {
  return serveWindow(request, 'NicePaySimulator', {
    show: (params) => {
      const input = windowInput(params);
      return windowPage({
        gateway: 'NicePay',
        details: [
          ['Goods', input.goodsName],
          ['Order id', input.orderId],
          ['Amount', `${input.amount.toLocaleString('en-US')} KRW`],
          ['Method', input.method],
        ],
        postTo: `${NICEPAY_WINDOW_PATH}?${new URLSearchParams(params.fields()).toString()}`,
        note: 'Every button posts the result to the shop’s returnUrl.',
      });
    },
    act: (action, params) => {
      const input = windowInput(params);
      const fields =
        action === 'approve'
          ? handlers.authenticate(input)
          : handlers.authenticateFailure({
              clientId: input.clientId,
              orderId: input.orderId,
              amount: input.amount,
              ...(action === 'decline' ? DECLINE : {}),
            });
      return autoPostPage('NicePay', input.returnUrl, fields);
    },
  });
}

/** The requestPay parameters; the byte limits and the rest are checked by `authenticate` on Approve. */
function windowInput(params: WindowParams): NicePayWindowInput {
  return {
    clientId: params.text('clientId', 100),
    method: params.text('method', 32),
    orderId: params.text('orderId', 64),
    amount: params.amount('amount'),
    goodsName: params.text('goodsName', 40),
    returnUrl: params.url('returnUrl'),
    buyerName: params.optionalText('buyerName', 30),
    buyerEmail: params.optionalText('buyerEmail', 60),
    buyerTel: params.optionalText('buyerTel', 40),
    mallReserved: params.optionalText('mallReserved', 500),
    vbankHolder: params.optionalText('vbankHolder', 40),
    taxFreeAmt: params.optionalAmount('taxFreeAmt'),
  };
}

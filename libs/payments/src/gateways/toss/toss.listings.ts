import type { LoggerService } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import type { CashReceiptTruth, GatewayTransaction, TransactionListRequest } from '../gateway-capabilities';
import { isRecord } from '../gateway-fields';
import type { TossClient } from './toss.client';
import {
  formatKstDate,
  formatKstDateTime,
  malformedTossResponse,
  tossCashReceiptTruth,
  tossTransaction,
} from './toss.mapping';
import { scrubTossPayload } from './toss.webhook';

/**
 * The walks over Toss's paged lists: the cash receipts of one day (by cursor) and the transaction list (by
 * `startingAfter`). Each page is one TossClient call; the walk decides when to stop.
 */

/** Largest page the transaction list serves (docs/gateways/toss.md#transaction-list). */
const MAX_TRANSACTIONS_PAGE = 5000;
/** Largest page the cash receipt list serves (docs/gateways/toss.md#cash-receipts). */
const CASH_RECEIPT_PAGE_LIMIT = 10_000;
/** Upper bound on pages walked by one lookup, so a gateway that never stops paging cannot spin us forever. */
const MAX_PAGES = 10_000;

/** Toss has no get-by-key for receipts: walk the day's list (KST date) by cursor until the key shows up. */
export async function findTossCashReceipt(
  client: TossClient,
  receiptKey: string,
  requestDate: Date,
): Promise<CashReceiptTruth> {
  const day = formatKstDate(requestDate);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.listCashReceipts({ requestDate: day, cursor, limit: CASH_RECEIPT_PAGE_LIMIT });
    const rows = result.body?.data;
    if (!Array.isArray(rows)) throw malformedTossResponse('listCashReceipts', 'data');
    const index = rows.findIndex((row) => isRecord(row) && row.receiptKey === receiptKey);
    if (index >= 0) {
      const scrubbedRows = isRecord(result.scrubbed) ? result.scrubbed['data'] : undefined;
      const scrubbed = Array.isArray(scrubbedRows) ? scrubbedRows[index] : scrubTossPayload(rows[index]);
      return tossCashReceiptTruth(rows[index], scrubbed, 'listCashReceipts');
    }
    const next = result.body.lastCursor;
    if (!result.body.hasNext || next === undefined || next === null || String(next) === cursor) break;
    cursor = String(next);
  }
  throw new NotFoundError('cash_receipt', `toss ${receiptKey} on ${day}`, { gateway: 'toss' });
}

/**
 * Every transaction in [from, to]. Toss filters on Asia/Seoul wall-clock `yyyy-MM-ddTHH:mm:ss`; pages are bare
 * arrays, so the next page is requested with `startingAfter=<last transactionKey>` while a page comes back full.
 */
export async function* walkTossTransactions(
  client: TossClient,
  request: TransactionListRequest,
  logger?: LoggerService,
): AsyncIterable<GatewayTransaction> {
  const limit = request.limit ?? MAX_TRANSACTIONS_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TRANSACTIONS_PAGE) {
    throw new InvalidInputError('limit', `must be an integer between 1 and ${MAX_TRANSACTIONS_PAGE}`);
  }
  const startDate = formatKstDateTime(request.from);
  const endDate = formatKstDateTime(request.to);
  let startingAfter = request.startingAfter;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.listTransactions({ startDate, endDate, startingAfter, limit });
    const rows = result.body;
    if (!Array.isArray(rows)) throw malformedTossResponse('listTransactions', 'expected an array');
    const scrubbedRows = Array.isArray(result.scrubbed) ? result.scrubbed : [];
    for (let i = 0; i < rows.length; i++) {
      yield tossTransaction(rows[i], scrubbedRows[i] ?? scrubTossPayload(rows[i]), logger);
    }
    if (rows.length < limit) return;
    const last = rows[rows.length - 1].transactionKey;
    if (last === startingAfter) throw malformedTossResponse('listTransactions', 'paging cursor did not advance');
    startingAfter = last;
  }
  throw malformedTossResponse('listTransactions', `more than ${MAX_PAGES} pages`);
}

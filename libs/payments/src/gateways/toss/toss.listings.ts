import type { LoggerService } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import type { CashReceiptTruth, GatewayTransaction, TransactionListRequest } from '../gateway-capabilities';
import { isRecord } from '../gateway-fields';
import { JsonRows } from '../http/json-rows';
import type { TossClient } from './toss.client';
import type { TossTransaction } from './toss.types';
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
  const includeRaw = request.includeRaw ?? true;
  for (let page = 0; page < MAX_PAGES; page++) {
    // Each page is fetched and walked by its own generator, so nothing here holds a page while the next is fetched.
    const query = { startDate, endDate, startingAfter, limit };
    const { count, last } = yield* pageTransactions(client, query, includeRaw, logger);
    if (count < limit) return;
    if (last === startingAfter) throw malformedTossResponse('listTransactions', 'paging cursor did not advance');
    startingAfter = last;
  }
  throw malformedTossResponse('listTransactions', `more than ${MAX_PAGES} pages`);
}

/** A page of the list: an array (a test transport) or, from the HTTP client, rows parsed one by one when read. */
type TossTransactionRows = TossTransaction[] | JsonRows;

async function listPage(
  client: TossClient,
  query: Parameters<TossClient['listTransactions']>[0],
  includeRaw: boolean,
): Promise<{ rows: TossTransactionRows; scrubbedRows: unknown[] | undefined }> {
  const result = await client.listTransactions(query);
  const rows = result.body;
  if (!Array.isArray(rows) && !(rows instanceof JsonRows)) {
    throw malformedTossResponse('listTransactions', 'expected an array');
  }
  // Reading `scrubbed` is what makes the client build the scrubbed copy of the page.
  const scrubbed = includeRaw ? result.scrubbed : undefined;
  return { rows, scrubbedRows: includeRaw ? (Array.isArray(scrubbed) ? scrubbed : []) : undefined };
}

/** One page's transactions, each row parsed as it is reached; returns how many there were and the last key. */
async function* pageTransactions(
  client: TossClient,
  query: Parameters<TossClient['listTransactions']>[0],
  includeRaw: boolean,
  logger: LoggerService | undefined,
): AsyncGenerator<GatewayTransaction, { count: number; last: string | undefined }> {
  const { rows, scrubbedRows } = await listPage(client, query, includeRaw);
  let last: string | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = readRow(rows, i);
    const raw = scrubbedRows ? (scrubbedRows[i] ?? scrubTossPayload(row)) : null;
    const transaction = tossTransaction(row, raw, logger);
    last = transaction.transactionKey;
    yield transaction;
  }
  return { count: rows.length, last };
}

function readRow(rows: TossTransactionRows, index: number): TossTransaction {
  try {
    return rows.at(index) as TossTransaction;
  } catch {
    // An element JsonRows located but JSON.parse refused: the same answer as a body that is not JSON at all.
    throw malformedTossResponse('listTransactions', `row ${index} is not JSON`);
  }
}

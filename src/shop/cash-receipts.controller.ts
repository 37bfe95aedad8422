import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IssueCashReceiptDto, PaymentsService } from 'nestjs-kr-payments';
import { CancelCashReceiptDto } from './shop.dto';
import { UuidParamPipe } from './shop.validation';
import { toCashReceiptView, type CashReceiptView } from './shop.views';

/** Cash receipts (현금영수증) for cash-like payments. The buyer's identity number is stored encrypted, never shown. */
@ApiTags('cash receipts')
@Controller('cash-receipts')
export class CashReceiptsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  async issue(@Body() body: IssueCashReceiptDto): Promise<CashReceiptView> {
    return toCashReceiptView(await this.payments.issueCashReceipt(body));
  }

  @Get(':cashReceiptId')
  async get(@Param('cashReceiptId', UuidParamPipe) cashReceiptId: string): Promise<CashReceiptView> {
    return toCashReceiptView(await this.payments.getCashReceipt(cashReceiptId));
  }

  @Post(':cashReceiptId/cancel')
  @HttpCode(200)
  async cancel(
    @Param('cashReceiptId', UuidParamPipe) cashReceiptId: string,
    @Body() body: CancelCashReceiptDto,
  ): Promise<CashReceiptView> {
    return toCashReceiptView(await this.payments.cancelCashReceipt(cashReceiptId, body.reason));
  }
}

import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ApiOptionalField } from './api-field';
import {
  DOC,
  NO_CONTROL_CHARACTERS,
  NO_CONTROL_CHARACTERS_MESSAGE,
  PRINTABLE_ASCII,
  PRINTABLE_ASCII_MESSAGE,
} from './dto-rules';

/** The buyer, as checkout and billing-key calls take it (re-exported by payments.dto.ts). */
export class CustomerDto {
  @ApiOptionalField({ description: DOC.customerKey })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  customerKey?: string;

  @ApiOptionalField({ description: "Buyer's name: ≤ 100 characters, no control characters." })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  name?: string;

  @ApiOptionalField({ description: "Buyer's email, ≤ 100 characters.", format: 'email' })
  @IsOptional()
  @IsEmail()
  @MaxLength(100)
  email?: string;

  @ApiOptionalField({ description: "Buyer's phone: 8–15 digits without dashes.", example: '01012345678' })
  @IsOptional()
  @Matches(/^[0-9]{8,15}$/, { message: 'must be 8–15 digits without dashes' })
  phone?: string;
}

import { ApiProperty } from '@nestjs/swagger';

export class WsTicketDto {
  @ApiProperty({ description: 'Single use: connect to `/v1/ws?ticket=<ticket>`.', example: 'wst_3q2…' })
  ticket!: string;

  @ApiProperty({ description: 'Seconds until the ticket expires.', example: 30 })
  expiresIn!: number;
}

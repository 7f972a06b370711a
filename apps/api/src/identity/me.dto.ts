import { ApiProperty } from '@nestjs/swagger';
import type { Account } from '@groundwork/identity';

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty()
  emailVerified!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(account: Account): MeDto {
    return { ...account, createdAt: account.createdAt.toISOString() };
  }
}

import { ApiProperty } from '@nestjs/swagger';

/** The body of every 202 of the lifecycle routes: one fixed sentence per route, never data. */
export class AcceptedResponse {
  @ApiProperty({ example: 'If an account uses this address, a link is on its way' })
  message!: string;
}

export const accepted = (message: string): AcceptedResponse => ({ message });

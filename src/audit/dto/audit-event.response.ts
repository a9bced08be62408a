import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENT_TYPES } from '../audit-event-type';
import type { AuditEvent } from '../audit-event.entity';

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES })
  type!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  userId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ nullable: true, type: String })
  userAgent!: string | null;

  @ApiProperty({ nullable: true, type: String })
  requestId!: string | null;

  // The members depend on the event type (and grow with it), so the schema names the value types,
  // not a list of members: a client narrows by `type`.
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      oneOf: [
        { type: 'string', nullable: true },
        { type: 'number' },
        { type: 'boolean' },
        { type: 'array', items: {} },
        { type: 'object', additionalProperties: true },
      ],
    },
    example: { sessionId: '3f0c…', amr: ['pwd', 'otp'] },
    description: 'Non-secret details by event type (ids, counts, reasons): JSON values',
  })
  metadata!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: '2025-01-02T03:04:05.678Z' })
  createdAt!: string;

  @ApiProperty({
    description: 'sha256(prevHash || canonical JSON of the event), hex',
    example: 'a3f1…',
  })
  hash!: string;

  @ApiProperty({ description: 'hash of the previous event in the chain (64 zeros for the first)' })
  prevHash!: string;
}

export class AuditEventPageResponse {
  @ApiProperty({ type: [AuditEventResponse] })
  items!: AuditEventResponse[];

  @ApiProperty({ example: 42 })
  total!: number;

  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 20 })
  limit!: number;
}

export class AuditVerifyResponse {
  @ApiProperty()
  valid!: boolean;

  @ApiProperty({ description: 'Events checked' })
  count!: number;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The first event whose hash or link does not verify',
  })
  firstInvalidId!: string | null;
}

export function toAuditEventResponse(event: AuditEvent): AuditEventResponse {
  return {
    id: event.id,
    type: event.type,
    userId: event.userId,
    ip: event.ip,
    userAgent: event.userAgent,
    requestId: event.requestId,
    metadata: event.metadata,
    createdAt: event.createdAt.toISOString(),
    hash: event.hash,
    prevHash: event.prevHash,
  };
}

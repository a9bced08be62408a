import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { AdminOnly } from '../common/decorators/route-access.decorator';
import { AuditService } from './audit.service';
import {
  AuditEventPageResponse,
  AuditVerifyResponse,
  toAuditEventResponse,
} from './dto/audit-event.response';
import { ListAuditEventsQuery } from './dto/list-audit-events.query';

@ApiTags('audit')
@AdminOnly()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @ApiOperation({ summary: 'Audit events, newest first, filtered by type, user and time range' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  @ApiErrors([400, 'Invalid or unknown query parameter'])
  async list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPageResponse> {
    const { items, total } = await this.audit.list({
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return { items: items.map(toAuditEventResponse), total, page: query.page, limit: query.limit };
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Recompute the hash chain and report the first event that does not verify',
  })
  @ApiOkResponse({ type: AuditVerifyResponse })
  verify(): Promise<AuditVerifyResponse> {
    return this.audit.verify();
  }
}

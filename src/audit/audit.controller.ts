import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../common/decorators/roles.decorator';
import { ErrorResponse } from '../common/dto/error-response.dto';
import { AuditService } from './audit.service';
import {
  AuditEventPageResponse,
  AuditVerifyResponse,
  toAuditEventResponse,
} from './dto/audit-event.response';
import { ListAuditEventsQuery } from './dto/list-audit-events.query';

@ApiTags('audit')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing or invalid access token' })
@ApiForbiddenResponse({ type: ErrorResponse, description: 'The caller is not an admin' })
@Roles('admin')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @ApiOperation({ summary: 'Audit events, newest first, filtered by type, user and time range' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Invalid or unknown query parameter' })
  async list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPageResponse> {
    const { page, limit } = query;
    const { items, total } = await this.audit.list({
      type: query.type,
      userId: query.userId,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      page,
      limit,
    });
    return { items: items.map(toAuditEventResponse), total, page, limit };
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

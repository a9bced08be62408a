import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { ReadinessResponse } from './dto/readiness-response.dto';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: PostgreSQL answers and no shutdown has begun; a configured Redis that is down is reported, and blocks readiness only with REDIS_REQUIRED=true',
  })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiErrors([503, 'Not ready: the database is down, Redis is down and required, or shutting down'])
  async ready(): Promise<ReadinessResponse> {
    const state = await this.readiness.check();
    if (!state.ready) {
      const reasons = [
        state.shuttingDown ? 'shutting down' : undefined,
        state.database === 'down' ? 'database down' : undefined,
        state.redis === 'down' ? 'redis down' : undefined,
      ].filter(Boolean);
      throw new ServiceUnavailableException(`Not ready: ${reasons.join(', ')}`);
    }
    return {
      status: 'ok',
      database: state.database,
      ...(state.redis ? { redis: state.redis } : {}),
    };
  }
}

import { Body, Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import { Public } from '../../src/common/decorators/public.decorator';
import { AuthRateLimit } from '../../src/rate-limit/auth-rate-limit.decorator';

class ProbeBody {
  @IsString()
  value!: string;
}

/**
 * Stand-ins for routes other branches add (POST /api/auth/login), mounted beside the real AppModule
 * so the rate limiter and body handling can be proven before those routes exist. Same guard, pipe,
 * filter, parser and headers as production; only the handlers are fake.
 */
@Public()
@Controller('probe')
export class ProbeController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }

  @Get('item/:id')
  item(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post('auth')
  @HttpCode(200)
  @AuthRateLimit()
  auth(@Body() body: ProbeBody): { ok: true } {
    void body;
    return { ok: true };
  }

  @Post('auth-other')
  @HttpCode(200)
  @AuthRateLimit()
  authOther(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}

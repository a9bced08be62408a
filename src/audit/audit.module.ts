import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditRetentionService } from './audit-retention.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { SecurityLogger } from './logging/security-logger.service';
import { SecurityLoggingInterceptor } from './logging/security-logging.interceptor';

@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  controllers: [AuditController],
  providers: [AuditService, AuditRetentionService, SecurityLogger, SecurityLoggingInterceptor],
  exports: [AuditService, AuditRetentionService, SecurityLogger, SecurityLoggingInterceptor],
})
export class AuditModule {}

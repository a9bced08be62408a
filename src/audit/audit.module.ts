import { Module } from '@nestjs/common';
import { AuditAnchor } from './audit-anchor';
import { AuditEventRepository } from './audit-event.repository';
import { AuditRetentionService } from './audit-retention.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { SecurityLogger } from '../logging/security-logger.service';

@Module({
  controllers: [AuditController],
  providers: [
    AuditEventRepository,
    AuditAnchor,
    AuditService,
    AuditRetentionService,
    SecurityLogger,
  ],
  exports: [AuditService, SecurityLogger],
})
export class AuditModule {}

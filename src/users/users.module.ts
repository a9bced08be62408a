import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), CryptoModule, AuditModule],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService, CryptoModule, AuditModule],
})
export class UsersModule {}
